package heimdaltest_test

import (
	"context"
	"fmt"
	"log"

	"github.com/psabridge/psabridge/heimdal"
	"github.com/psabridge/psabridge/heimdal/heimdaltest"
	"github.com/psabridge/psabridge/heimdal/psasync"
)

// Raise, Update and Clear drive what the client sees: the key stays,
// the fingerprint (as the psasync flow derives it) follows the content, and
// a cleared alert is gone.
func ExampleServer_Raise() {
	srv := heimdaltest.NewServer()
	defer srv.Close()
	client, err := heimdal.NewClient(srv.APIKey(), srv.ClientOptions()...)
	if err != nil {
		log.Fatal(err)
	}
	fetch := func() map[string]psasync.Alert {
		out := map[string]psasync.Alert{}
		for a, err := range psasync.OpenAlerts(context.Background(), client, heimdaltest.InitechID, psasync.BoardOperations) {
			if err != nil {
				log.Fatal(err)
			}
			out[a.Key] = a
		}
		return out
	}

	key := srv.Raise(heimdaltest.InitechID, heimdal.ModuleMemory, "INITECH-WS01", "Memory usage high", "RAM at 91%")
	before := fetch()[key]
	srv.Update(key, "Memory usage high", "RAM at 98%")
	after := fetch()[key]
	fmt.Println(after.Key == key, after.Fingerprint != before.Fingerprint, after.Description)

	srv.Clear(key)
	fmt.Println(len(fetch()))
	// Output:
	// true true RAM at 98%
	// 0
}

// Inside testing/synctest, leave the server unstarted: ClientOptions then
// routes requests through Handler in memory.
func ExampleNewUnstartedServer() {
	srv := heimdaltest.NewUnstartedServer()
	client, err := heimdal.NewClient(srv.APIKey(), srv.ClientOptions()...)
	if err != nil {
		log.Fatal(err)
	}
	devices, resp, err := client.Devices.List(context.Background(), heimdaltest.GlobexID, nil)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(resp.TotalCount, devices[0].Hostname, client.BaseURL())
	// Output:
	// 3 GLOBEX-DC01 https://dashboard.heimdalsecurity.com/api/heimdalapi
}
