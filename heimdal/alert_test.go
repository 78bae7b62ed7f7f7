package heimdal_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/psabridge/psabridge/heimdal"
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
		if got := heimdal.NewKey(c.customer, c.m, c.target, c.source); got != c.want {
			t.Errorf("NewKey(%q,%q,%q,%q) = %q, want %q", c.customer, c.m, c.target, c.source, got, c.want)
		}
	}
	if heimdal.NewKey("1", "CPU", "a/b", "c") == heimdal.NewKey("1", "CPU", "a", "b/c") {
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
	a, ok := n.Alert("200101")
	if !ok {
		t.Fatal("Memory notification not routed")
	}
	if a.Key != "200101/MEM/300001/700001" || a.Module != heimdal.ModuleMemory || a.Board() != heimdal.BoardOperations {
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
	b, _ := later.Alert("200101")
	if b.Key != a.Key || b.Fingerprint != a.Fingerprint {
		t.Error("a newer timestamp must change neither key nor fingerprint")
	}
	renamed := n
	renamed.Hostname = "ACME-WS01-NEW"
	if r, _ := renamed.Alert("200101"); r.Key != a.Key || r.Fingerprint == a.Fingerprint {
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
		got, _ := m.Alert("200101")
		if got.Key != a.Key || got.Fingerprint == a.Fingerprint {
			t.Errorf("%s change: key %q fingerprint %q (was %q)", name, got.Key, got.Fingerprint, a.Fingerprint)
		}
	}

	// No device id: the hostname stands in; no notification id: one key per
	// module and device.
	bare := decode[heimdal.DeviceNotification](t, `{"hostname":"PC9","type":"CPU"}`)
	if k, _ := bare.Alert("7"); k.Key != "7/CPU/PC9" {
		t.Errorf("bare key %q", k.Key)
	}
	// Types outside the board are not routed.
	for _, typ := range []string{"REP", "GP changes", ""} {
		x := n
		x.Type = typ
		if _, ok := x.Alert("1"); ok {
			t.Errorf("type %q routed to Operations", typ)
		}
	}
}

func TestAlertConversionsPerBoard(t *testing.T) {
	e := decode[heimdal.EmailAlert](t, `{"id":9,"type":"NextGen Antivirus","clientInfoId":"55","hostname":"H","title":"T","description":"D"}`)
	a, ok := e.Alert("3")
	if !ok || a.Module != heimdal.ModuleNextGenAV || a.Board() != heimdal.BoardCyberAlerts || a.Key != "3/NGAV/55/9" || a.Description != "D" {
		t.Errorf("email alert %+v %v", a, ok)
	}
	if _, ok := (heimdal.EmailAlert{Type: "CPU"}).Alert("3"); ok {
		t.Error("an Operations type must not route through Cyber Alerts")
	}
	m := decode[heimdal.M365Alert](t, `{"id":4,"type":"REP Cloud","userId":"u-1","userPrincipalName":"a@b.example","severity":"High"}`)
	b, ok := m.Alert("3")
	if !ok || b.Module != heimdal.ModuleREPCloud || b.Target != "a@b.example" || b.Key != "3/REP-C/u-1/4" {
		t.Errorf("m365 alert %+v %v", b, ok)
	}
}
