package infima

import (
	"context"
	"errors"
	"fmt"

	"github.com/psabridge/psabridge/internal/apiclient"
)

// PartnerService reads the partner account: the MSP that manages security
// awareness training for its clients.
type PartnerService service

// Partner is the account that owns the API key.
type Partner struct {
	Name        string    `json:"partner_name"`
	CreatedDate Timestamp `json:"created_date"`
	// Admins are the people with access to the partner dashboard.
	Admins []Admin `json:"admins"`
}

// Admin is a partner dashboard user.
type Admin struct {
	ID    string `json:"id"`
	Email string `json:"email"`
	// Role is "Administrator" or "User" in the published examples.
	Role        string    `json:"role"`
	CreatedDate Timestamp `json:"created_date"`
}

// Get returns the partner (GET /v1/partner). It is the cheapest
// authenticated call, which makes it the natural connection test.
func (s *PartnerService) Get(ctx context.Context) (*Partner, *Response, error) {
	p := new(Partner)
	resp, err := s.client.get(ctx, "/v1/partner", nil, p)
	if err != nil {
		return nil, resp, err
	}
	return p, resp, nil
}

// TestConnection does what Security 360's "Test Connection" button does: one
// authenticated call. Its error says which of the seed's three checks
// failed: the URL (a *ConfigError from NewClient, or no answer at all), the
// key (errors.Is(err, ErrKeyRejected)), or network egress (a transport
// error whose text suggests the firewall).
func (c *Client) TestConnection(ctx context.Context) (*Partner, error) {
	p, _, err := c.Partner.Get(ctx)
	if err == nil {
		return p, nil
	}
	var te *apiclient.TransportError
	if errors.As(err, &te) && ctx.Err() == nil {
		return nil, fmt.Errorf("infima: cannot reach %s: check the server URL and that network egress (firewall, proxy allowlist) reaches it: %w", c.BaseURL(), err)
	}
	return nil, err
}
