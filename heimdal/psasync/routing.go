package psasync

import (
	"fmt"

	"github.com/psabridge/psabridge/heimdal"
)

// Board is one of the three ConnectWise PSA service boards the integration
// files tickets on. Each board takes the alerts of one Heimdal section.
type Board int

// The three boards, in the order the Heimdal Dashboard configures them.
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

// Section returns the Heimdal section whose alerts the board receives.
func (b Board) Section() heimdal.Section {
	switch b {
	case BoardOperations:
		return heimdal.SectionDevices
	case BoardCyberAlerts:
		return heimdal.SectionCyberAlerts
	case BoardM365:
		return heimdal.SectionM365
	}
	return 0
}

// BoardOf returns the board module m's tickets go to, or 0 for an unknown
// module.
func BoardOf(m heimdal.Module) Board {
	for _, b := range Boards() {
		if b.Section() == m.Section() {
			return b
		}
	}
	return 0
}

// ModulesFor returns the modules routed to board b, in the order the Heimdal
// Dashboard lists them; ProvisionBoards creates one ticket type per module.
func ModulesFor(b Board) []heimdal.Module {
	if !b.Valid() {
		return nil
	}
	return heimdal.ModulesIn(b.Section())
}

// typeNames are the ticket types the setup guide names for each module.
var typeNames = map[heimdal.Module]string{
	heimdal.ModuleCPU:              "CPU",
	heimdal.ModuleMemory:           "Memory",
	heimdal.ModuleDisk:             "Disk",
	heimdal.ModuleMicrosoftUpdates: "Microsoft Updates",
	heimdal.ModuleAntivirus:        "Next-Gen Antivirus",
	heimdal.ModuleDNSPoisoning:     "DNS Poisoning",
	heimdal.ModuleFirewall:         "Firewall",

	heimdal.ModuleRansomware:       "Ransomware Encryption",
	heimdal.ModulePrivilegedAccess: "Privileged Access Management",
	heimdal.ModuleNextGenAV:        "Next-Gen Antivirus",
	heimdal.ModuleVectorN:          "VectorN Detection",
	heimdal.ModuleZeroTrust:        "Zero-Trust",

	heimdal.ModuleLAD:             "LAD Alerts",
	heimdal.ModuleREPCloud:        "REP Cloud Alerts",
	heimdal.ModuleForwardingRules: "Forwarding Rules Alerts",
	heimdal.ModuleUserCompliance:  "User Compliance",
}

// TypeName returns module m's ticket type on its board ("Memory",
// "Ransomware Encryption", "LAD Alerts"). Names are unique within a board
// but not across boards: both antivirus modules are "Next-Gen Antivirus".
// An unknown module returns its code.
func TypeName(m heimdal.Module) string {
	if n, ok := typeNames[m]; ok {
		return n
	}
	return string(m)
}
