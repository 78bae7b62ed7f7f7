package infimatest_test

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/psabridge/psabridge/infima"
	"github.com/psabridge/psabridge/infima/infimatest"
)

func ExampleNewServer() {
	srv := infimatest.NewServer(infimatest.WithNow(time.Date(2025, 6, 2, 0, 0, 0, 0, time.UTC)))
	defer srv.Close()

	c, err := infima.NewClient(srv.APIKey(), srv.ClientOptions()...)
	if err != nil {
		fmt.Println(err)
		return
	}
	p, _, err := c.Partner.Get(context.Background())
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(p.Name, "with", len(srv.ClientIDs()), "clients; fresh client:", srv.FreshClientID())
	// Output:
	// Northwind Managed IT with 12 clients; fresh client: 12
}

// A sandbox can serve the simulator on an address of its choosing, with a
// key fixed in advance.
func ExampleNewUnstartedServer() {
	l, err := net.Listen("tcp", "127.0.0.1:0") // e.g. "127.0.0.1:8089"
	if err != nil {
		fmt.Println(err)
		return
	}
	srv := infimatest.NewUnstartedServer(infimatest.WithAPIKey("sandbox-reporting-key"))
	srv.Listener = l
	srv.Start()
	defer srv.Close()

	req, _ := http.NewRequest(http.MethodGet, srv.URL+"/v1/clients?limit=1", nil)
	req.Header.Set("X-API-Key", "sandbox-reporting-key")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		fmt.Println(err)
		return
	}
	resp.Body.Close()
	fmt.Println(resp.Status, resp.Header.Get("Content-Type"))
	// Output:
	// 200 OK application/json
}

// Between two syncs, data changes and a key is rotated.
func ExampleServer_SetUserTraining() {
	srv := infimatest.NewServer(infimatest.WithNow(time.Date(2025, 6, 2, 0, 0, 0, 0, time.UTC)))
	defer srv.Close()
	c, _ := infima.NewClient(srv.APIKey(), srv.ClientOptions()...)
	ctx := context.Background()

	fresh := srv.FreshClientID()
	judged := func() (judged, onTrack int, err error) {
		for u, err := range c.Users.All(ctx, fresh, nil) {
			if err != nil {
				return 0, 0, err
			}
			if u.TrainingOnTrack != nil {
				judged++
				if *u.TrainingOnTrack {
					onTrack++
				}
			}
		}
		return judged, onTrack, nil
	}
	n, _, _ := judged()
	fmt.Println("before:", n, "users judged")

	email := srv.UserEmails(fresh)[0]
	_ = srv.SetUserTraining(fresh, email, true, 0)
	n, on, _ := judged()
	fmt.Println("after:", n, "judged,", on, "on track")

	srv.RotateKey()
	_, _, err := judged()
	fmt.Println("old key rejected:", infima.IsKeyRejected(err))
	// Output:
	// before: 0 users judged
	// after: 1 judged, 1 on track
	// old key rejected: true
}
