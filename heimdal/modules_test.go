package heimdal_test

import (
	"slices"
	"testing"

	"github.com/psabridge/psabridge/heimdal"
)

func TestModuleRouting(t *testing.T) {
	cases := []struct {
		m        heimdal.Module
		wire     string
		board    heimdal.Board
		typeName string
	}{
		{heimdal.ModuleCPU, "CPU", heimdal.BoardOperations, "CPU"},
		{heimdal.ModuleMemory, "MEM", heimdal.BoardOperations, "Memory"},
		{heimdal.ModuleDisk, "DISK", heimdal.BoardOperations, "Disk"},
		{heimdal.ModuleMicrosoftUpdates, "MU", heimdal.BoardOperations, "Microsoft Updates"},
		{heimdal.ModuleAntivirus, "AV", heimdal.BoardOperations, "Next-Gen Antivirus"},
		{heimdal.ModuleDNSPoisoning, "DNSP", heimdal.BoardOperations, "DNS Poisoning"},
		{heimdal.ModuleFirewall, "FW", heimdal.BoardOperations, "Firewall"},
		{heimdal.ModuleRansomware, "REP", heimdal.BoardCyberAlerts, "Ransomware Encryption"},
		{heimdal.ModulePrivilegedAccess, "PAM", heimdal.BoardCyberAlerts, "Privileged Access Management"},
		{heimdal.ModuleNextGenAV, "NGAV", heimdal.BoardCyberAlerts, "Next-Gen Antivirus"},
		{heimdal.ModuleVectorN, "VND", heimdal.BoardCyberAlerts, "VectorN Detection"},
		{heimdal.ModuleZeroTrust, "ZT", heimdal.BoardCyberAlerts, "Zero-Trust"},
		{heimdal.ModuleLAD, "LAD", heimdal.BoardM365, "LAD Alerts"},
		{heimdal.ModuleREPCloud, "REP-C", heimdal.BoardM365, "REP Cloud Alerts"},
		{heimdal.ModuleForwardingRules, "FW-R", heimdal.BoardM365, "Forwarding Rules Alerts"},
		{heimdal.ModuleUserCompliance, "SEC-I", heimdal.BoardM365, "User Compliance"},
	}
	if len(cases) != len(heimdal.Modules()) {
		t.Fatalf("table has %d modules, package has %d", len(cases), len(heimdal.Modules()))
	}
	for _, c := range cases {
		if string(c.m) != c.wire || c.m.String() != c.wire {
			t.Errorf("%s: wire value %q, want %q", c.typeName, c.m, c.wire)
		}
		if got := c.m.Board(); got != c.board {
			t.Errorf("%s.Board() = %v, want %v", c.m, got, c.board)
		}
		if got := c.m.TypeName(); got != c.typeName {
			t.Errorf("%s.TypeName() = %q, want %q", c.m, got, c.typeName)
		}
		if !c.m.Valid() || !slices.Contains(heimdal.ModulesFor(c.board), c.m) {
			t.Errorf("%s not valid or not in ModulesFor(%v)", c.m, c.board)
		}
		if p, ok := heimdal.ParseModule(" " + string(c.m) + " "); !ok || p != c.m {
			t.Errorf("ParseModule(%q) = %q, %v", c.m, p, ok)
		}
		if p, ok := c.board.LookupModule(c.typeName); !ok || p != c.m {
			t.Errorf("%v.LookupModule(%q) = %q, %v", c.board, c.typeName, p, ok)
		}
	}
}

func TestModulesForOrderAndTypeNamesUnique(t *testing.T) {
	want := map[heimdal.Board][]heimdal.Module{
		heimdal.BoardOperations:  {"CPU", "MEM", "DISK", "MU", "AV", "DNSP", "FW"},
		heimdal.BoardCyberAlerts: {"REP", "PAM", "NGAV", "VND", "ZT"},
		heimdal.BoardM365:        {"LAD", "REP-C", "FW-R", "SEC-I"},
	}
	total := 0
	for _, b := range heimdal.Boards() {
		got := heimdal.ModulesFor(b)
		if !slices.Equal(got, want[b]) {
			t.Errorf("ModulesFor(%v) = %v, want %v", b, got, want[b])
		}
		names := map[string]bool{}
		for _, m := range got {
			if names[m.TypeName()] {
				t.Errorf("type name %q used twice on %v", m.TypeName(), b)
			}
			names[m.TypeName()] = true
		}
		total += len(got)
	}
	if total != len(heimdal.Modules()) {
		t.Errorf("boards hold %d modules, Modules() has %d", total, len(heimdal.Modules()))
	}
	if heimdal.ModulesFor(0) != nil {
		t.Error("ModulesFor(0) should be empty")
	}
}

func TestBoardNames(t *testing.T) {
	want := []string{"Heimdal Operations", "Heimdal Cyber Alerts", "Heimdal M365 Notifications"}
	for i, b := range heimdal.Boards() {
		if b.String() != want[i] || !b.Valid() {
			t.Errorf("board %d: %q valid=%v, want %q", i, b, b.Valid(), want[i])
		}
	}
	if heimdal.Board(0).Valid() || heimdal.Board(4).Valid() || heimdal.Board(9).String() != "Board(9)" {
		t.Error("out-of-range boards must be invalid")
	}
}

func TestLookupModuleSeedSpellings(t *testing.T) {
	cases := []struct {
		b    heimdal.Board
		s    string
		want heimdal.Module
	}{
		{heimdal.BoardOperations, "memory", heimdal.ModuleMemory},
		{heimdal.BoardOperations, "NextGen Antivirus", heimdal.ModuleAntivirus},
		{heimdal.BoardCyberAlerts, "NextGen Antivirus", heimdal.ModuleNextGenAV},
		{heimdal.BoardCyberAlerts, "Ransomware Encryption Protection", heimdal.ModuleRansomware},
		{heimdal.BoardM365, "REP Cloud", heimdal.ModuleREPCloud},
		{heimdal.BoardM365, "Forwarding Rules", heimdal.ModuleForwardingRules},
		{heimdal.BoardM365, "user compliance notifications", heimdal.ModuleUserCompliance},
		{heimdal.BoardM365, "rep-c", heimdal.ModuleREPCloud},
	}
	for _, c := range cases {
		if got, ok := c.b.LookupModule(c.s); !ok || got != c.want {
			t.Errorf("%v.LookupModule(%q) = %q, %v; want %q", c.b, c.s, got, ok, c.want)
		}
	}
	// A module of another board is not found, so nothing is misrouted.
	for _, bad := range []struct {
		b heimdal.Board
		s string
	}{{heimdal.BoardOperations, "REP"}, {heimdal.BoardM365, "CPU"}, {heimdal.BoardCyberAlerts, "GP changes"}} {
		if m, ok := bad.b.LookupModule(bad.s); ok {
			t.Errorf("%v.LookupModule(%q) = %q, want not found", bad.b, bad.s, m)
		}
	}
	if _, ok := heimdal.ParseModule("Next-Gen Antivirus"); ok {
		t.Error("ParseModule must not guess between the two antivirus modules")
	}
	if m := heimdal.Module("XYZ"); m.Valid() || m.Board() != 0 || m.TypeName() != "XYZ" {
		t.Error("unknown module must be invalid, boardless and named by its code")
	}
}
