package cwsystem

import (
	"context"
	"strings"

	"github.com/psabridge/psabridge/connectwise"
	"github.com/psabridge/psabridge/connectwise/cwmodel"
)

// ByName returns the member whose identifier (the login name, "jdoe") or
// full name ("Jane Doe") is name, compared without regard to case. Member
// lists are short, so the whole list is walked and compared here, which
// does not depend on the PSA database's collation. It fails with a
// *connectwise.LookupError when none or several members match.
func (s *MembersService) ByName(ctx context.Context, name string) (*cwmodel.Member, error) {
	want := strings.TrimSpace(name)
	v, err := connectwise.FindOne(s.All(ctx, nil), "member", want, func(m cwmodel.Member) (int, string) {
		var id int
		if m.ID != nil {
			id = int(*m.ID)
		}
		ident, full := deref(m.Identifier), strings.TrimSpace(deref(m.FirstName)+" "+deref(m.LastName))
		if strings.EqualFold(ident, want) {
			return id, ident
		}
		return id, full
	})
	if err != nil {
		return nil, err
	}
	return &v, nil
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
