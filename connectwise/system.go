package connectwise

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
)

// The system service's spec operations are generated (services_gen.go);
// these are what the spec does not describe: the unauthenticated
// company information, and the two calls whose answers need more than
// one call of the request layer.

// CompanyInfo is the unauthenticated /login/companyinfo/{companyId} answer
// used to discover the codebase.
type CompanyInfo struct {
	CompanyName   string   `json:"CompanyName"`
	Codebase      string   `json:"Codebase"`
	VersionCode   string   `json:"VersionCode"`
	VersionNumber string   `json:"VersionNumber"`
	CompanyID     string   `json:"CompanyID"`
	IsCloud       FlexBool `json:"IsCloud"`
	SiteURL       string   `json:"SiteUrl"`
}

// FlexBool decodes a boolean the PSA sometimes sends as a string ("True").
type FlexBool bool

// UnmarshalJSON accepts true/false and their string forms.
func (b *FlexBool) UnmarshalJSON(data []byte) error {
	s := strings.Trim(strings.ToLower(string(data)), `"`)
	switch s {
	case "true", "1", "yes":
		*b = true
	case "false", "0", "no", "", "null":
		*b = false
	default:
		return fmt.Errorf("connectwise: %s is not a boolean", data)
	}
	return nil
}

// CompanyInfo returns the site's unauthenticated company information
// (codebase, version, cloud or on-premise).
func (s *SystemService) CompanyInfo(ctx context.Context) (*CompanyInfo, error) {
	return s.client.companyInfo(ctx)
}

// Me returns the member whose keys the client uses, including its default
// service board.
func (s *SystemService) Me(ctx context.Context) (*Member, *Response, error) {
	var raw json.RawMessage
	resp, err := s.client.do(ctx, request{method: http.MethodGet, path: "system/myMembers"}, &raw)
	if err != nil {
		return nil, resp, err
	}
	// Deployments answer either one object or a one-element array.
	var m Member
	if len(raw) > 0 && raw[0] == '[' {
		var ms []Member
		if err := json.Unmarshal(raw, &ms); err != nil {
			return nil, resp, fmt.Errorf("connectwise: decoding system/myMembers: %w", err)
		}
		if len(ms) == 0 {
			return nil, resp, fmt.Errorf("connectwise: system/myMembers returned no member")
		}
		m = ms[0]
	} else if err := json.Unmarshal(raw, &m); err != nil {
		return nil, resp, fmt.Errorf("connectwise: decoding system/myMembers: %w", err)
	}
	return &m, resp, nil
}

// MySecurity returns all of the caller's permissions, one row per module
// function, walking every page.
func (s *SystemService) MySecurity(ctx context.Context) ([]Permission, error) {
	var out []Permission
	for p, err := range all[Permission](ctx, s.client, "system/mySecurity", false, nil) {
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, nil
}
