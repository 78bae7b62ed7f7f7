package psasync_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/psabridge/psabridge/heimdal"
	"github.com/psabridge/psabridge/heimdal/heimdaltest"
	"github.com/psabridge/psabridge/heimdal/psasync"
)

func TestNewKey(t *testing.T) {
	cases := []struct {
		customer, target, source string
		m                        heimdal.Module
		want                     string
	}{
		{"200101", "300001", "700001", heimdal.ModuleDisk, "200101/DISK/300001/700001"},
		{"200101", "300001", "", heimdal.ModuleCPU, "200101/CPU/300001"},
		{"1", "a/b", "c d", heimdal.ModuleREPCloud, "1/REP-C/a%2Fb/c%20d"},
		{"1", "a%2Fb", "x", heimdal.ModuleLAD, "1/LAD/a%252Fb/x"},
	}
	for _, c := range cases {
		if got := psasync.NewKey(c.customer, c.m, c.target, c.source); got != c.want {
			t.Errorf("NewKey(%q,%q,%q,%q) = %q, want %q", c.customer, c.m, c.target, c.source, got, c.want)
		}
	}
	if psasync.NewKey("1", "CPU", "a/b", "c") == psasync.NewKey("1", "CPU", "a", "b/c") {
		t.Error("keys must be unambiguous")
	}
}

func decode[T any](t *testing.T, s string) T {
	t.Helper()
	var v T
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		t.Fatal(err)
	}
	return v
}

func TestAlertKeyAndFingerprint(t *testing.T) {
	n := decode[heimdal.DeviceNotification](t, `{"id":700001,"clientInfoId":300001,"hostname":"ACME-WS01","type":"Memory","severity":"Warning",
		"title":"Memory usage high","message":"RAM at 95%","firstSeen":"2025-01-01T08:00:00","lastUpdate":"2025-01-01T09:00:00Z"}`)
	a, ok := psasync.NotificationAlert("200101", n)
	if !ok {
		t.Fatal("Memory notification not routed")
	}
	if a.Key != "200101/MEM/300001/700001" || a.Module != heimdal.ModuleMemory || a.Board() != psasync.BoardOperations {
		t.Errorf("alert %+v", a)
	}
	if a.Target != "ACME-WS01" || a.TargetID != "300001" || a.SourceID != "700001" || a.Description != "RAM at 95%" {
		t.Errorf("alert fields %+v", a)
	}
	if !a.FirstSeen.Equal(time.Date(2025, 1, 1, 8, 0, 0, 0, time.UTC)) || !a.LastUpdate.Equal(time.Date(2025, 1, 1, 9, 0, 0, 0, time.UTC)) {
		t.Errorf("times %v %v", a.FirstSeen, a.LastUpdate)
	}

	// Timestamps, and a renamed device, leave the key alone; only content
	// moves the fingerprint.
	later := n
	later.LastUpdate.Time = later.LastUpdate.Add(time.Hour)
	b, _ := psasync.NotificationAlert("200101", later)
	if b.Key != a.Key || b.Fingerprint != a.Fingerprint {
		t.Error("a newer timestamp must change neither key nor fingerprint")
	}
	renamed := n
	renamed.Hostname = "ACME-WS01-NEW"
	if r, _ := psasync.NotificationAlert("200101", renamed); r.Key != a.Key || r.Fingerprint == a.Fingerprint {
		t.Error("a renamed target keeps its key but changes the fingerprint")
	}
	for name, mut := range map[string]func(*heimdal.DeviceNotification){
		"title":    func(x *heimdal.DeviceNotification) { x.Title += "!" },
		"message":  func(x *heimdal.DeviceNotification) { x.Message = "RAM at 99%" },
		"severity": func(x *heimdal.DeviceNotification) { x.Severity = "Critical" },
		"shift":    func(x *heimdal.DeviceNotification) { x.Title, x.Message = "Memory usage highRAM", " at 95%" },
	} {
		m := n
		mut(&m)
		got, _ := psasync.NotificationAlert("200101", m)
		if got.Key != a.Key || got.Fingerprint == a.Fingerprint {
			t.Errorf("%s change: key %q fingerprint %q (was %q)", name, got.Key, got.Fingerprint, a.Fingerprint)
		}
	}

	// No device id: the hostname stands in; no notification id: one key per
	// module and device.
	bare := decode[heimdal.DeviceNotification](t, `{"hostname":"PC9","type":"CPU"}`)
	if k, _ := psasync.NotificationAlert("7", bare); k.Key != "7/CPU/PC9" {
		t.Errorf("bare key %q", k.Key)
	}
	// Types outside the board are not routed.
	for _, typ := range []string{"REP", "GP changes", ""} {
		x := n
		x.Type = typ
		if _, ok := psasync.NotificationAlert("1", x); ok {
			t.Errorf("type %q routed to Operations", typ)
		}
	}
}

func TestAlertConversionsPerBoard(t *testing.T) {
	e := decode[heimdal.EmailAlert](t, `{"id":9,"type":"NextGen Antivirus","clientInfoId":"55","hostname":"H","title":"T","description":"D"}`)
	a, ok := psasync.EmailAlert("3", e)
	if !ok || a.Module != heimdal.ModuleNextGenAV || a.Board() != psasync.BoardCyberAlerts || a.Key != "3/NGAV/55/9" || a.Description != "D" {
		t.Errorf("email alert %+v %v", a, ok)
	}
	if _, ok := psasync.EmailAlert("3", heimdal.EmailAlert{Type: "CPU"}); ok {
		t.Error("an Operations type must not route through Cyber Alerts")
	}
	m := decode[heimdal.M365Alert](t, `{"id":4,"type":"REP Cloud","userId":"u-1","userPrincipalName":"a@b.example","severity":"High"}`)
	b, ok := psasync.M365Alert("3", m)
	if !ok || b.Module != heimdal.ModuleREPCloud || b.Target != "a@b.example" || b.Key != "3/REP-C/u-1/4" {
		t.Errorf("m365 alert %+v %v", b, ok)
	}
}

// newHeimdal is a Heimdal simulator and a client of it.
func newHeimdal(t *testing.T) (*heimdaltest.Server, *heimdal.Client) {
	t.Helper()
	srv := heimdaltest.NewServer()
	t.Cleanup(srv.Close)
	c, err := heimdal.NewClient(srv.APIKey(), srv.ClientOptions()...)
	if err != nil {
		t.Fatal(err)
	}
	return srv, c
}

func collectAlerts(t *testing.T, c *heimdal.Client, customerID string, boards ...psasync.Board) map[string]psasync.Alert {
	t.Helper()
	out := map[string]psasync.Alert{}
	for a, err := range psasync.OpenAlerts(context.Background(), c, customerID, boards...) {
		if err != nil {
			t.Fatal(err)
		}
		if _, dup := out[a.Key]; dup {
			t.Fatalf("duplicate key %s", a.Key)
		}
		out[a.Key] = a
	}
	return out
}

func TestRaiseUpdateClearThroughClient(t *testing.T) {
	srv, c := newHeimdal(t)
	kDisk := srv.Raise(heimdaltest.AcmeID, heimdal.ModuleDisk, "ACME-WS01", "Low disk space", "C: is 91% full")
	kREP := srv.Raise(heimdaltest.AcmeID, heimdal.ModuleRansomware, "ACME-DC01", "Encryption attempt blocked", "vssadmin.exe")
	kLAD := srv.Raise(heimdaltest.AcmeID, heimdal.ModuleLAD, "alice@acme.example", "Impossible travel", "Copenhagen then Sydney")
	srv.Raise(heimdaltest.GlobexID, heimdal.ModuleCPU, "GLOBEX-WS01", "CPU at 100%", "for 30 minutes")

	first := collectAlerts(t, c, heimdaltest.AcmeID)
	if len(first) != 3 {
		t.Fatalf("got %d alerts, want 3: %v", len(first), first)
	}
	for key, board := range map[string]psasync.Board{kDisk: psasync.BoardOperations, kREP: psasync.BoardCyberAlerts, kLAD: psasync.BoardM365} {
		a, ok := first[key]
		if !ok {
			t.Fatalf("raised key %s not fetched (have %v)", key, first)
		}
		if a.Board() != board || a.CustomerID != heimdaltest.AcmeID || a.Fingerprint == "" || a.FirstSeen.IsZero() {
			t.Errorf("%s: %+v", key, a)
		}
	}
	disk := first[kDisk]
	if disk.Target != "ACME-WS01" || disk.Title != "Low disk space" || disk.Description != "C: is 91% full" || disk.Severity == "" {
		t.Errorf("disk alert content: %+v", disk)
	}
	if lad := first[kLAD]; lad.Target != "alice@acme.example" || lad.TargetID == "" {
		t.Errorf("M365 alert target: %+v", lad)
	}

	// Refetching without changes gives identical keys and fingerprints.
	again := collectAlerts(t, c, heimdaltest.AcmeID)
	for k, a := range first {
		if again[k].Fingerprint != a.Fingerprint {
			t.Errorf("%s: fingerprint changed without a content change", k)
		}
	}

	// A content update keeps the key and changes the fingerprint.
	if !srv.Update(kDisk, "Low disk space", "C: is 99% full") {
		t.Fatal("Update: no such key")
	}
	updated := collectAlerts(t, c, heimdaltest.AcmeID)
	if len(updated) != 3 {
		t.Fatalf("after update: %d alerts", len(updated))
	}
	if u := updated[kDisk]; u.Fingerprint == disk.Fingerprint || u.Description != "C: is 99% full" || !u.FirstSeen.Equal(disk.FirstSeen) {
		t.Errorf("updated alert: %+v (before %+v)", u, disk)
	}
	if updated[kREP].Fingerprint != first[kREP].Fingerprint {
		t.Error("untouched alert changed fingerprint")
	}
	if !srv.SetSeverity(kREP, "Critical") || collectAlerts(t, c, heimdaltest.AcmeID)[kREP].Fingerprint == first[kREP].Fingerprint {
		t.Error("a severity change must change the fingerprint")
	}

	// Clear makes it disappear; other customers are unaffected.
	if !srv.Clear(kDisk) || srv.Clear(kDisk) {
		t.Fatal("Clear must report the first removal only")
	}
	if got := collectAlerts(t, c, heimdaltest.AcmeID); len(got) != 2 || got[kDisk].Key != "" {
		t.Errorf("after Clear: %v", got)
	}
	if got := collectAlerts(t, c, heimdaltest.GlobexID, psasync.BoardOperations); len(got) != 1 {
		t.Errorf("Globex: %v", got)
	}
	srv.ClearAll()
	if got := collectAlerts(t, c, heimdaltest.AcmeID); len(got) != 0 {
		t.Errorf("after ClearAll: %v", got)
	}
	if srv.Update(kDisk, "x", "y") {
		t.Error("Update of a cleared alert must report false")
	}
}

func TestEveryModuleRoutesToItsBoard(t *testing.T) {
	srv, c := newHeimdal(t)
	keys := map[string]heimdal.Module{}
	for i, m := range heimdal.Modules() {
		target := "INITECH-WS01"
		if psasync.BoardOf(m) == psasync.BoardM365 {
			target = "bob@initech.example"
		}
		k := srv.Raise(heimdaltest.InitechID, m, target, fmt.Sprintf("alert %d", i), psasync.TypeName(m))
		keys[k] = m
	}
	got := collectAlerts(t, c, heimdaltest.InitechID)
	if len(got) != len(keys) {
		t.Fatalf("fetched %d alerts, raised %d", len(got), len(keys))
	}
	for k, m := range keys {
		a := got[k]
		if a.Module != m || a.Board() != psasync.BoardOf(m) {
			t.Errorf("key %s: module %q board %v, want %q on %v", k, a.Module, a.Board(), m, psasync.BoardOf(m))
		}
	}
	// Restricting boards restricts the walk, and skips the other endpoints.
	srv.ResetRequests()
	only := collectAlerts(t, c, heimdaltest.InitechID, psasync.BoardM365, psasync.BoardM365)
	if len(only) != len(psasync.ModulesFor(psasync.BoardM365)) {
		t.Errorf("M365 only: %d alerts", len(only))
	}
	if n := srv.CountRequests("", "activeclients") + srv.CountRequests("", "getEmailAlerts"); n != 0 {
		t.Errorf("M365-only walk called other endpoints %d times", n)
	}
	if n := srv.CountRequests("", "/2.0/m365/getAlerts"); n != 1 {
		t.Errorf("duplicate board walked twice: %d calls", n)
	}
}

func TestOpenAlertsStopsEarly(t *testing.T) {
	srv, c := newHeimdal(t)
	srv.Raise(heimdaltest.AcmeID, heimdal.ModuleCPU, "ACME-DC01", "a", "a")
	srv.Raise(heimdaltest.AcmeID, heimdal.ModuleMemory, "ACME-DC01", "b", "b")
	srv.ResetRequests()
	for range psasync.OpenAlerts(context.Background(), c, heimdaltest.AcmeID) {
		break
	}
	// One page of devices and one device's notifications, nothing more.
	if n := srv.CountRequests("", ""); n != 2 {
		t.Errorf("breaking out after the first alert made %d requests, want 2", n)
	}
}

func TestOpenAlertsUnknownBoard(t *testing.T) {
	_, c := newHeimdal(t)
	for _, err := range psasync.OpenAlerts(context.Background(), c, heimdaltest.AcmeID, psasync.Board(7)) {
		if err == nil || !strings.Contains(err.Error(), "unknown board") {
			t.Errorf("err = %v", err)
		}
		return
	}
	t.Error("no error yielded for an unknown board")
}
