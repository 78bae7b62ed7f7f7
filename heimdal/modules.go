package heimdal

import (
	"fmt"
	"strings"
)

// Section is the part of the Heimdal API (and of the Heimdal Dashboard) an
// alert is listed in. Each section has its own endpoint and item shape.
type Section int

// The three sections that list alerts.
const (
	// SectionDevices is the Active Clients view: per-device notifications
	// (CPU, memory, disk, updates, antivirus, DNS, firewall), served by
	// DevicesService.AllNotifications.
	SectionDevices Section = iota + 1
	// SectionCyberAlerts is the email alerts of the Accounts section
	// (ransomware, privileged access, antivirus, VectorN, Zero-Trust),
	// served by CyberAlertsService.
	SectionCyberAlerts
	// SectionM365 is the alerts of the M365 User Security section, served
	// by M365Service.
	SectionM365
)

// Sections returns the three sections in the order the dashboard shows them.
func Sections() []Section { return []Section{SectionDevices, SectionCyberAlerts, SectionM365} }

// String names the section as the Heimdal Dashboard does.
func (s Section) String() string {
	switch s {
	case SectionDevices:
		return "Active Clients notifications"
	case SectionCyberAlerts:
		return "Cyber Alerts"
	case SectionM365:
		return "M365 User Security"
	}
	return fmt.Sprintf("Section(%d)", int(s))
}

// Valid reports whether s is one of the three sections.
func (s Section) Valid() bool { return s >= SectionDevices && s <= SectionM365 }

// Module is a Heimdal alert category by its short code (the codes the
// Heimdal Dashboard shows as sub-types). The code is the value the Heimdal
// API carries in an alert's "type"; some items carry a spelled-out name
// instead, which Section.LookupModule understands.
type Module string

// Modules of the devices section (Active Clients notifications).
const (
	ModuleCPU              Module = "CPU"
	ModuleMemory           Module = "MEM"
	ModuleDisk             Module = "DISK"
	ModuleMicrosoftUpdates Module = "MU"
	ModuleAntivirus        Module = "AV"
	ModuleDNSPoisoning     Module = "DNSP"
	ModuleFirewall         Module = "FW"
)

// Modules of the Cyber Alerts section (email alerts). Heimdal names the
// antivirus sub-type "NextGen Antivirus" without a short code; NGAV keeps
// it distinct from the devices section's AV.
const (
	ModuleRansomware       Module = "REP"
	ModulePrivilegedAccess Module = "PAM"
	ModuleNextGenAV        Module = "NGAV"
	ModuleVectorN          Module = "VND"
	ModuleZeroTrust        Module = "ZT"
)

// Modules of the M365 User Security section.
const (
	ModuleLAD             Module = "LAD"
	ModuleREPCloud        Module = "REP-C"
	ModuleForwardingRules Module = "FW-R"
	ModuleUserCompliance  Module = "SEC-I"
)

// modules is ordered as Heimdal's documentation lists them; ModulesIn
// relies on it. spellings are the other names Heimdal's documentation and
// dashboard use for the module, which may arrive in an item's "type".
var modules = []struct {
	m         Module
	section   Section
	spellings []string
}{
	{ModuleCPU, SectionDevices, nil},
	{ModuleMemory, SectionDevices, []string{"Memory"}},
	{ModuleDisk, SectionDevices, []string{"Disk"}},
	{ModuleMicrosoftUpdates, SectionDevices, []string{"Microsoft Updates"}},
	{ModuleAntivirus, SectionDevices, []string{"Next-Gen Antivirus", "NextGen Antivirus", "Antivirus"}},
	{ModuleDNSPoisoning, SectionDevices, []string{"DNS Poisoning"}},
	{ModuleFirewall, SectionDevices, []string{"Firewall"}},

	{ModuleRansomware, SectionCyberAlerts, []string{"Ransomware Encryption", "Ransomware Encryption Protection"}},
	{ModulePrivilegedAccess, SectionCyberAlerts, []string{"Privileged Access Management"}},
	{ModuleNextGenAV, SectionCyberAlerts, []string{"Next-Gen Antivirus", "NextGen Antivirus", "NextGen AV", "Antivirus"}},
	{ModuleVectorN, SectionCyberAlerts, []string{"VectorN Detection", "VectorN"}},
	{ModuleZeroTrust, SectionCyberAlerts, []string{"Zero-Trust", "Zero Trust", "ZeroTrust"}},

	{ModuleLAD, SectionM365, []string{"LAD Alerts"}},
	{ModuleREPCloud, SectionM365, []string{"REP Cloud Alerts", "REP Cloud"}},
	{ModuleForwardingRules, SectionM365, []string{"Forwarding Rules Alerts", "Forwarding Rules"}},
	{ModuleUserCompliance, SectionM365, []string{"User Compliance", "User Compliance Alerts", "User compliance notifications"}},
}

// Modules returns every module, grouped by section in dashboard order.
func Modules() []Module {
	out := make([]Module, 0, len(modules))
	for _, e := range modules {
		out = append(out, e.m)
	}
	return out
}

// ModulesIn returns the modules listed in section s, in the order Heimdal's
// documentation lists them.
func ModulesIn(s Section) []Module {
	var out []Module
	for _, e := range modules {
		if e.section == s {
			out = append(out, e.m)
		}
	}
	return out
}

// Section returns the section that lists the module's alerts, or 0 for an
// unknown module.
func (m Module) Section() Section {
	for _, e := range modules {
		if e.m == m {
			return e.section
		}
	}
	return 0
}

// Valid reports whether m is a known module code.
func (m Module) Valid() bool { return m.Section() != 0 }

// String returns the module code.
func (m Module) String() string { return string(m) }

// ParseModule returns the module with code s (case-insensitive, surrounding
// space ignored). Spelled-out names are not accepted here because "Next-Gen
// Antivirus" names a module in two sections; use Section.LookupModule.
func ParseModule(s string) (Module, bool) {
	s = strings.TrimSpace(s)
	for _, e := range modules {
		if strings.EqualFold(string(e.m), s) {
			return e.m, true
		}
	}
	return "", false
}

// LookupModule finds a module of section s by code or by one of the
// spellings Heimdal uses ("NextGen Antivirus", "REP Cloud", "Forwarding
// Rules"), case-insensitively: what an item's "type" carries. Within one
// section every spelling is unambiguous.
func (s Section) LookupModule(str string) (Module, bool) {
	str = strings.TrimSpace(str)
	for _, e := range modules {
		if e.section != s {
			continue
		}
		if strings.EqualFold(string(e.m), str) {
			return e.m, true
		}
		for _, a := range e.spellings {
			if strings.EqualFold(a, str) {
				return e.m, true
			}
		}
	}
	return "", false
}
