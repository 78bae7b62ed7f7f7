package cwtest

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
)

func TestCompanyInfo(t *testing.T) {
	srv, c := newAPI(t)
	var info map[string]any
	r := c.get("/login/companyinfo/CWTEST", &info)
	if info["Codebase"] != "v2025_1/" || info["CompanyID"] != "cwtest" || info["IsCloud"] != false ||
		info["VersionCode"] != "v2025.1" || info["VersionNumber"] != "v2025_1" || info["SiteUrl"] == "" {
		t.Errorf("companyinfo = %v", info)
	}
	if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("Content-Type %q", ct)
	}
	// No credentials are needed for discovery.
	r = c.do(http.MethodGet, "/login/companyinfo/nosuchco", nil, "Authorization", "", "clientId", "")
	if r.status != http.StatusOK || strings.TrimSpace(string(r.body)) != "null" {
		t.Errorf("unknown company: %d %s, want 200 null", r.status, r.body)
	}
	other := NewServer(WithCodebase("v4_6_release/"))
	defer other.Close()
	c2 := clientFor(t, other)
	c2.get("/login/companyinfo/cwtest", &info)
	if info["Codebase"] != "v4_6_release/" {
		t.Errorf("WithCodebase: %v", info["Codebase"])
	}
	if cfg := srv.Config(); cfg.Codebase != "" || cfg.Site != srv.URL || !strings.HasPrefix(cfg.PrivateKey, "cwtest-private-") {
		t.Errorf("Config() = %v", cfg)
	}
}

func TestAuthentication(t *testing.T) {
	srv, c := newAPI(t)
	ok := c.get("system/info", nil)
	if ok.header.Get("api-current-version") != "2025.8" {
		t.Errorf("api-current-version = %q", ok.header.Get("api-current-version"))
	}
	for _, tc := range []struct {
		name       string
		hdr        []string
		status     int
		code       string
		errorsNull bool
	}{
		{"no authorization", []string{"Authorization", ""}, 401, "Unauthorized", true},
		{"bearer", []string{"Authorization", "Bearer abc"}, 401, "Unauthorized", true},
		{"bad base64", []string{"Authorization", "Basic %%%"}, 401, "Unauthorized", true},
		{"wrong private key", []string{"Authorization", basic("cwtest+" + publicKey + ":wrong")}, 401, "Unauthorized", true},
		{"wrong public key", []string{"Authorization", basic("cwtest+nope:" + privateKey)}, 401, "Unauthorized", true},
		{"wrong company", []string{"Authorization", basic("other+" + publicKey + ":" + privateKey)}, 401, "Unauthorized", true},
		{"no plus", []string{"Authorization", basic(publicKey + ":" + privateKey)}, 401, "Unauthorized", true},
		{"missing clientId", []string{"clientId", ""}, 400, "InvalidObject", true},
	} {
		r := c.do(http.MethodGet, "service/tickets", nil, tc.hdr...)
		e := r.err(t)
		if r.status != tc.status || e.Code != tc.code {
			t.Errorf("%s: %d %s, want %d %s", tc.name, r.status, r.body, tc.status, tc.code)
		}
		if tc.errorsNull && !strings.Contains(string(r.body), `"errors":null`) {
			t.Errorf("%s: body %s lacks \"errors\":null", tc.name, r.body)
		}
		if strings.Contains(string(r.body), privateKey) {
			t.Errorf("%s: error body echoes the private key", tc.name)
		}
	}
	// The company id is not case-sensitive; the keys are.
	c.mustStatus(c.do(http.MethodGet, "system/info", nil, "Authorization", basic("CWTEST+"+publicKey+":"+privateKey)), 200)
	c.mustStatus(c.do(http.MethodGet, "system/info", nil, "Authorization", basic("cwtest+"+strings.ToUpper(publicKey)+":"+privateKey)), 401)

	srv.RevokeCredentials()
	if r := c.do(http.MethodGet, "system/info", nil); r.status != 401 || r.err(t).Code != "Unauthorized" {
		t.Errorf("after RevokeCredentials: %d %s", r.status, r.body)
	}
	srv.RestoreCredentials()
	c.get("system/info", nil)
}

func basic(s string) string {
	return "Basic " + b64(s)
}

func TestRoutingIsCaseInsensitiveAndAcceptsAnyCodebase(t *testing.T) {
	_, c := newAPI(t)
	for _, p := range []string{
		"/v2025_1/apis/3.0/service/boards",
		"/v4_6_release/apis/3.0/Service/Boards",
		"/v2019_5/apis/3.0/SERVICE/BOARDS/",
	} {
		var boards []Board
		c.get(p, &boards)
		if len(boards) != 2 {
			t.Errorf("%s: %d boards", p, len(boards))
		}
	}
	if r := c.do(http.MethodGet, "/apis/3.0/service/boards", nil); r.status != 404 {
		t.Errorf("no codebase: %d", r.status)
	}
	if r := c.do(http.MethodGet, "service/nosuch", nil); r.status != 404 || r.err(t).Code != "NotFound" {
		t.Errorf("unknown resource: %d %s", r.status, r.body)
	}
	if r := c.do(http.MethodDelete, "service/priorities", nil); r.status != 405 {
		t.Errorf("DELETE on a collection: %d %s", r.status, r.body)
	}
	if r := c.do(http.MethodGet, "service/tickets/999999", nil); r.status != 404 || r.err(t).Code != "NotFound" {
		t.Errorf("missing ticket: %d %s", r.status, r.body)
	}
}

func TestSystemEndpoints(t *testing.T) {
	srv, c := newAPI(t)
	var info map[string]any
	c.get("system/info", &info)
	if v, _ := info["version"].(string); !strings.HasPrefix(v, "v2025.1.") || info["isCloud"] != false || info["serverTimeZone"] == nil || info["cloudRegion"] == nil {
		t.Errorf("system/info = %v", info)
	}
	var me Member
	c.get("system/myMembers", &me)
	if me.Identifier != "psabridge-api" || me.ServiceDefaultBoard == nil || me.ServiceDefaultBoard.Name != "Service Desk" || me.SecurityRole == nil {
		t.Errorf("myMembers = %+v", me)
	}
	var perms []Permission
	c.get("system/mySecurity?pageSize=1000", &perms)
	want := map[string][4]string{
		"Company Maintenance":   {"None", "None", "None", "All"},
		"Service Tickets":       {"All", "All", "All", "All"},
		"Close Service Tickets": {"All", "All", "None", "All"},
		"Resource Scheduling":   {"All", "All", "None", "All"},
		"Member Maintenance":    {"None", "None", "None", "All"},
		"My Account":            {"None", "None", "None", "All"},
		"My Company":            {"None", "None", "None", "All"},
		"Table Setup":           {"All", "All", "None", "All"},
	}
	for _, p := range perms {
		if p.ModuleIdentifier == "" || p.ModuleName == "" || p.ModuleFunctionIdentifier == "" {
			t.Errorf("incomplete row %+v", p)
		}
		if w, ok := want[p.ModuleFunctionName]; ok {
			if got := [4]string{p.AddLevel, p.EditLevel, p.DeleteLevel, p.InquireLevel}; got != w {
				t.Errorf("%s = %v, want %v", p.ModuleFunctionName, got, w)
			}
			delete(want, p.ModuleFunctionName)
		}
	}
	if len(want) > 0 {
		t.Errorf("mySecurity lacks %v", want)
	}
	var members []Member
	c.get("system/members?conditions="+url.QueryEscape("inactiveFlag = false"), &members)
	if len(members) != 2 {
		t.Errorf("active members = %d", len(members))
	}
	var n struct{ Count int }
	c.get("system/members/count", &n)
	if n.Count != len(srv.Members()) {
		t.Errorf("members count %d", n.Count)
	}
	var role SecurityRole
	c.get("system/securityroles/"+strconv.Itoa(me.SecurityRole.ID), &role)
	var settings []Permission
	c.get("system/securityroles/"+strconv.Itoa(role.ID)+"/settings?pageSize=100", &settings)
	if len(settings) != len(perms) {
		t.Errorf("role settings %d rows, mySecurity %d", len(settings), len(perms))
	}
	if r := c.do(http.MethodGet, "system/securityroles/99/settings", nil); r.status != 404 {
		t.Errorf("settings of a missing role: %d", r.status)
	}
}
