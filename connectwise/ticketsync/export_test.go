package ticketsync

import "github.com/psabridge/psabridge/connectwise"

// NewUnlocked returns a Syncer that takes no lock at all, as syncs in
// processes sharing nothing would: tests of the after-the-fact repair of
// such races use it. It is a test seam, not an API.
func NewUnlocked(client *connectwise.Client, p Policy) (*Syncer, error) {
	s, err := New(client, p)
	if err != nil {
		return nil, err
	}
	s.locker = noLock{}
	return s, nil
}
