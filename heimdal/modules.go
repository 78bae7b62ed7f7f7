package heimdal

import (
	"fmt"
	"strings"
)

// Board is one of the three ConnectWise PSA service boards the Heimdal
// integration files tickets on. Every Module belongs to exactly one board.
type Board int

// The three boards of the Heimdal → ConnectWise PSA integration, in the order
// the Heimdal Dashboard configures them.
const (
	// BoardOperations receives device notifications from the Active Clients
	// view (CPU, memory, disk, updates, antivirus, DNS, firewall). It is the
	// only board whose tickets auto-close and move to a "status on update".
	BoardOperations Board = iota + 1
	// BoardCyberAlerts receives the email alerts of the Accounts section
	// (ransomware, privileged access, antivirus, VectorN, Zero-Trust).
	BoardCyberAlerts
	// BoardM365 receives the alerts of the M365 User Security section.
	BoardM365
)

// Boards returns the three boards in configuration order.
func Boards() []Board { return []Board{BoardOperations, BoardCyberAlerts, BoardM365} }

// String returns the board name the integration creates in the PSA.
func (b Board) String() string {
	switch b {
	case BoardOperations:
		return "Heimdal Operations"
	case BoardCyberAlerts:
		return "Heimdal Cyber Alerts"
	case BoardM365:
		return "Heimdal M365 Notifications"
	}
	return fmt.Sprintf("Board(%d)", int(b))
}

// Valid reports whether b is one of the three boards.
func (b Board) Valid() bool { return b >= BoardOperations && b <= BoardM365 }

// Module is a Heimdal alert category by its short code (the codes the
// Heimdal Dashboard shows as ticket sub-types). The code is also the value
// the Heimdal API and the heimdaltest simulator carry in an alert's "type".
type Module string

// Heimdal Operations modules (device notifications).
const (
	ModuleCPU              Module = "CPU"
	ModuleMemory           Module = "MEM"
	ModuleDisk             Module = "DISK"
	ModuleMicrosoftUpdates Module = "MU"
	ModuleAntivirus        Module = "AV"
	ModuleDNSPoisoning     Module = "DNSP"
	ModuleFirewall         Module = "FW"
)

// Heimdal Cyber Alerts modules (email alerts). The seed names the antivirus
// sub-type "NextGen Antivirus" without a short code; NGAV keeps it distinct
// from the Operations board's AV.
const (
	ModuleRansomware       Module = "REP"
	ModulePrivilegedAccess Module = "PAM"
	ModuleNextGenAV        Module = "NGAV"
	ModuleVectorN          Module = "VND"
	ModuleZeroTrust        Module = "ZT"
)

// Heimdal M365 Notifications modules.
const (
	ModuleLAD             Module = "LAD"
	ModuleREPCloud        Module = "REP-C"
	ModuleForwardingRules Module = "FW-R"
	ModuleUserCompliance  Module = "SEC-I"
)

type moduleInfo struct {
	board    Board
	typeName string
	// aliases are other spellings seen in Heimdal's own documentation.
	aliases []string
}

// modules is ordered as the seed lists them; ModulesFor relies on it.
var modules = []struct {
	m Module
	moduleInfo
}{
	{ModuleCPU, moduleInfo{BoardOperations, "CPU", nil}},
	{ModuleMemory, moduleInfo{BoardOperations, "Memory", []string{"MEMORY"}}},
	{ModuleDisk, moduleInfo{BoardOperations, "Disk", nil}},
	{ModuleMicrosoftUpdates, moduleInfo{BoardOperations, "Microsoft Updates", nil}},
	{ModuleAntivirus, moduleInfo{BoardOperations, "Next-Gen Antivirus", []string{"NextGen Antivirus", "Antivirus"}}},
	{ModuleDNSPoisoning, moduleInfo{BoardOperations, "DNS Poisoning", nil}},
	{ModuleFirewall, moduleInfo{BoardOperations, "Firewall", nil}},

	{ModuleRansomware, moduleInfo{BoardCyberAlerts, "Ransomware Encryption", []string{"Ransomware Encryption Protection"}}},
	{ModulePrivilegedAccess, moduleInfo{BoardCyberAlerts, "Privileged Access Management", nil}},
	{ModuleNextGenAV, moduleInfo{BoardCyberAlerts, "Next-Gen Antivirus", []string{"NextGen Antivirus", "NextGen AV", "Antivirus"}}},
	{ModuleVectorN, moduleInfo{BoardCyberAlerts, "VectorN Detection", []string{"VectorN"}}},
	{ModuleZeroTrust, moduleInfo{BoardCyberAlerts, "Zero-Trust", []string{"Zero Trust", "ZeroTrust"}}},

	{ModuleLAD, moduleInfo{BoardM365, "LAD Alerts", []string{"LAD"}}},
	{ModuleREPCloud, moduleInfo{BoardM365, "REP Cloud Alerts", []string{"REP Cloud"}}},
	{ModuleForwardingRules, moduleInfo{BoardM365, "Forwarding Rules Alerts", []string{"Forwarding Rules"}}},
	{ModuleUserCompliance, moduleInfo{BoardM365, "User Compliance", []string{"User Compliance Alerts", "User compliance notifications"}}},
}

func (m Module) info() (moduleInfo, bool) {
	for _, e := range modules {
		if e.m == m {
			return e.moduleInfo, true
		}
	}
	return moduleInfo{}, false
}

// Modules returns every module, grouped by board in configuration order.
func Modules() []Module {
	out := make([]Module, 0, len(modules))
	for _, e := range modules {
		out = append(out, e.m)
	}
	return out
}

// ModulesFor returns the modules routed to board b, in the order the Heimdal
// Dashboard lists them; board provisioning creates one ticket type per module.
func ModulesFor(b Board) []Module {
	var out []Module
	for _, e := range modules {
		if e.board == b {
			out = append(out, e.m)
		}
	}
	return out
}

// Board returns the board the module's tickets go to, or 0 for an unknown
// module.
func (m Module) Board() Board {
	i, _ := m.info()
	return i.board
}

// TypeName returns the module's display name, used as the ticket type on its
// board ("Memory", "Ransomware Encryption", "LAD Alerts"). Names are unique
// within a board but not across boards: both antivirus modules are
// "Next-Gen Antivirus". An unknown module returns its code.
func (m Module) TypeName() string {
	if i, ok := m.info(); ok {
		return i.typeName
	}
	return string(m)
}

// Valid reports whether m is a known module code.
func (m Module) Valid() bool {
	_, ok := m.info()
	return ok
}

// String returns the module code.
func (m Module) String() string { return string(m) }

// ParseModule returns the module with code s (case-insensitive, surrounding
// space ignored). Display names are not accepted here because "Next-Gen
// Antivirus" is ambiguous across boards; use Board.LookupModule for those.
func ParseModule(s string) (Module, bool) {
	s = strings.TrimSpace(s)
	for _, e := range modules {
		if strings.EqualFold(string(e.m), s) {
			return e.m, true
		}
	}
	return "", false
}

// LookupModule finds a module of board b by code, display name or one of the
// spellings Heimdal's documentation uses ("NextGen Antivirus", "REP Cloud",
// "Forwarding Rules"), case-insensitively. Within one board every spelling is
// unambiguous.
func (b Board) LookupModule(s string) (Module, bool) {
	s = strings.TrimSpace(s)
	for _, e := range modules {
		if e.board != b {
			continue
		}
		if strings.EqualFold(string(e.m), s) || strings.EqualFold(e.typeName, s) {
			return e.m, true
		}
		for _, a := range e.aliases {
			if strings.EqualFold(a, s) {
				return e.m, true
			}
		}
	}
	return "", false
}
