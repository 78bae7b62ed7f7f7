package psasync_test

import (
	"slices"
	"testing"

	"github.com/psabridge/psabridge/heimdal"
	"github.com/psabridge/psabridge/heimdal/psasync"
)

func TestModuleRouting(t *testing.T) {
	cases := []struct {
		m        heimdal.Module
		board    psasync.Board
		typeName string
	}{
		{heimdal.ModuleCPU, psasync.BoardOperations, "CPU"},
		{heimdal.ModuleMemory, psasync.BoardOperations, "Memory"},
		{heimdal.ModuleDisk, psasync.BoardOperations, "Disk"},
		{heimdal.ModuleMicrosoftUpdates, psasync.BoardOperations, "Microsoft Updates"},
		{heimdal.ModuleAntivirus, psasync.BoardOperations, "Next-Gen Antivirus"},
		{heimdal.ModuleDNSPoisoning, psasync.BoardOperations, "DNS Poisoning"},
		{heimdal.ModuleFirewall, psasync.BoardOperations, "Firewall"},
		{heimdal.ModuleRansomware, psasync.BoardCyberAlerts, "Ransomware Encryption"},
		{heimdal.ModulePrivilegedAccess, psasync.BoardCyberAlerts, "Privileged Access Management"},
		{heimdal.ModuleNextGenAV, psasync.BoardCyberAlerts, "Next-Gen Antivirus"},
		{heimdal.ModuleVectorN, psasync.BoardCyberAlerts, "VectorN Detection"},
		{heimdal.ModuleZeroTrust, psasync.BoardCyberAlerts, "Zero-Trust"},
		{heimdal.ModuleLAD, psasync.BoardM365, "LAD Alerts"},
		{heimdal.ModuleREPCloud, psasync.BoardM365, "REP Cloud Alerts"},
		{heimdal.ModuleForwardingRules, psasync.BoardM365, "Forwarding Rules Alerts"},
		{heimdal.ModuleUserCompliance, psasync.BoardM365, "User Compliance"},
	}
	if len(cases) != len(heimdal.Modules()) {
		t.Fatalf("table has %d modules, heimdal has %d", len(cases), len(heimdal.Modules()))
	}
	for _, c := range cases {
		if got := psasync.BoardOf(c.m); got != c.board {
			t.Errorf("BoardOf(%s) = %v, want %v", c.m, got, c.board)
		}
		if got := psasync.TypeName(c.m); got != c.typeName {
			t.Errorf("TypeName(%s) = %q, want %q", c.m, got, c.typeName)
		}
		if !slices.Contains(psasync.ModulesFor(c.board), c.m) {
			t.Errorf("%s not in ModulesFor(%v)", c.m, c.board)
		}
		// The ticket type name is one of Heimdal's own spellings, so a
		// type provisioned under it is recognised again.
		if p, ok := c.board.Section().LookupModule(c.typeName); !ok || p != c.m {
			t.Errorf("%v.LookupModule(%q) = %q, %v", c.board.Section(), c.typeName, p, ok)
		}
	}
	if psasync.BoardOf("XYZ") != 0 || psasync.TypeName("XYZ") != "XYZ" || psasync.ModulesFor(0) != nil {
		t.Error("unknown module must be boardless and named by its code")
	}
}

func TestTypeNamesUniquePerBoard(t *testing.T) {
	for _, b := range psasync.Boards() {
		names := map[string]bool{}
		for _, m := range psasync.ModulesFor(b) {
			if names[psasync.TypeName(m)] {
				t.Errorf("type name %q used twice on %v", psasync.TypeName(m), b)
			}
			names[psasync.TypeName(m)] = true
		}
	}
}

func TestBoardNames(t *testing.T) {
	want := []string{"Heimdal Operations", "Heimdal Cyber Alerts", "Heimdal M365 Notifications"}
	for i, b := range psasync.Boards() {
		if b.String() != want[i] || !b.Valid() || !b.Section().Valid() {
			t.Errorf("board %d: %q valid=%v, want %q", i, b, b.Valid(), want[i])
		}
	}
	if psasync.Board(0).Valid() || psasync.Board(4).Valid() || psasync.Board(9).String() != "Board(9)" {
		t.Error("out-of-range boards must be invalid")
	}
}
