package heimdal_test

import (
	"slices"
	"testing"

	"github.com/psabridge/psabridge/heimdal"
)

func TestModuleSections(t *testing.T) {
	want := map[heimdal.Section][]heimdal.Module{
		heimdal.SectionDevices:     {"CPU", "MEM", "DISK", "MU", "AV", "DNSP", "FW"},
		heimdal.SectionCyberAlerts: {"REP", "PAM", "NGAV", "VND", "ZT"},
		heimdal.SectionM365:        {"LAD", "REP-C", "FW-R", "SEC-I"},
	}
	total := 0
	for _, s := range heimdal.Sections() {
		got := heimdal.ModulesIn(s)
		if !slices.Equal(got, want[s]) {
			t.Errorf("ModulesIn(%v) = %v, want %v", s, got, want[s])
		}
		for _, m := range got {
			if m.Section() != s || !m.Valid() || m.String() != string(m) {
				t.Errorf("%s: section %v valid %v", m, m.Section(), m.Valid())
			}
			if p, ok := heimdal.ParseModule(" " + string(m) + " "); !ok || p != m {
				t.Errorf("ParseModule(%q) = %q, %v", m, p, ok)
			}
		}
		total += len(got)
	}
	if total != len(heimdal.Modules()) {
		t.Errorf("sections hold %d modules, Modules() has %d", total, len(heimdal.Modules()))
	}
	if heimdal.ModulesIn(0) != nil || heimdal.Section(0).Valid() || heimdal.Section(9).String() != "Section(9)" {
		t.Error("out-of-range sections must be invalid and empty")
	}
	if m := heimdal.Module("XYZ"); m.Valid() || m.Section() != 0 {
		t.Error("unknown module must be invalid and sectionless")
	}
}

func TestLookupModuleSpellings(t *testing.T) {
	cases := []struct {
		s    heimdal.Section
		str  string
		want heimdal.Module
	}{
		{heimdal.SectionDevices, "memory", heimdal.ModuleMemory},
		{heimdal.SectionDevices, "NextGen Antivirus", heimdal.ModuleAntivirus},
		{heimdal.SectionCyberAlerts, "NextGen Antivirus", heimdal.ModuleNextGenAV},
		{heimdal.SectionCyberAlerts, "Ransomware Encryption Protection", heimdal.ModuleRansomware},
		{heimdal.SectionM365, "REP Cloud", heimdal.ModuleREPCloud},
		{heimdal.SectionM365, "Forwarding Rules", heimdal.ModuleForwardingRules},
		{heimdal.SectionM365, "user compliance notifications", heimdal.ModuleUserCompliance},
		{heimdal.SectionM365, "rep-c", heimdal.ModuleREPCloud},
	}
	for _, c := range cases {
		if got, ok := c.s.LookupModule(c.str); !ok || got != c.want {
			t.Errorf("%v.LookupModule(%q) = %q, %v; want %q", c.s, c.str, got, ok, c.want)
		}
	}
	// A module of another section is not found, so nothing is misrouted.
	for _, bad := range []struct {
		s   heimdal.Section
		str string
	}{{heimdal.SectionDevices, "REP"}, {heimdal.SectionM365, "CPU"}, {heimdal.SectionCyberAlerts, "GP changes"}} {
		if m, ok := bad.s.LookupModule(bad.str); ok {
			t.Errorf("%v.LookupModule(%q) = %q, want not found", bad.s, bad.str, m)
		}
	}
	if _, ok := heimdal.ParseModule("Next-Gen Antivirus"); ok {
		t.Error("ParseModule must not guess between the two antivirus modules")
	}
}
