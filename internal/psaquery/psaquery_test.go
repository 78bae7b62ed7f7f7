package psaquery

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func record(m map[string]any) Getter {
	return func(path string) (any, bool) {
		for k, v := range m {
			if strings.EqualFold(k, path) {
				return v, true
			}
		}
		return nil, false
	}
}

func TestParseComparisons(t *testing.T) {
	e, err := Parse(`board/name = "Service Desk" AND (summary like 'Disk%' Or id in (1, 2.5, -3)) and _info/lastUpdated >= [2024-05-01T00:00:00Z] and closedFlag != true and externalXRef != null and status/name not like "x" and summary not contains 'a"b' and type/id not in ("7")`)
	if err != nil {
		t.Fatal(err)
	}
	got := e.Comparisons()
	want := []struct {
		field string
		op    Op
		kind  Kind
		raw   string
	}{
		{"board/name", OpEq, String, `"Service Desk"`},
		{"summary", OpLike, String, `'Disk%'`},
		{"id", OpIn, Number, `1`},
		{"_info/lastUpdated", OpGe, DateTime, `[2024-05-01T00:00:00Z]`},
		{"closedFlag", OpNe, Bool, `true`},
		{"externalXRef", OpNe, Null, `null`},
		{"status/name", OpNotLike, String, `"x"`},
		{"summary", OpNotContains, String, `'a"b'`},
		{"type/id", OpNotIn, String, `"7"`},
	}
	if len(got) != len(want) {
		t.Fatalf("got %d comparisons, want %d: %+v", len(got), len(want), got)
	}
	for i, w := range want {
		g := got[i]
		if g.Field != w.field || g.Op != w.op || g.Value.Kind != w.kind || g.Value.Raw != w.raw {
			t.Errorf("comparison %d = {%s %s %v %s}, want {%s %s %v %s}", i, g.Field, g.Op, g.Value.Kind, g.Value.Raw, w.field, w.op, w.kind, w.raw)
		}
	}
	if n := len(got[2].Values); n != 3 || got[2].Values[1].Num != 2.5 || got[2].Values[2].Num != -3 {
		t.Errorf("in list = %+v", got[2].Values)
	}
	if got[7].Value.Str != `a"b` {
		t.Errorf("single-quoted string decoded to %q", got[7].Value.Str)
	}
	if !got[3].Value.Time.Equal(time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("date = %v", got[3].Value.Time)
	}
	if f := e.Fields(); len(f) != 8 || f[0] != "board/name" {
		t.Errorf("Fields() = %v", f)
	}
}

func TestStringLiteralsHaveNoEscapes(t *testing.T) {
	for _, tc := range []struct{ src, want string }{
		{`summary = "it's"`, `it's`},
		{`summary = 'say "hi"'`, `say "hi"`},
		{`summary = "C:\temp\"`, `C:\temp\`},
		{`summary = '\'`, `\`},
		{`summary = ""`, ``},
	} {
		e, err := Parse(tc.src)
		if err != nil {
			t.Errorf("Parse(%s): %v", tc.src, err)
			continue
		}
		if got := e.Comparisons()[0].Value.Str; got != tc.want {
			t.Errorf("Parse(%s) value = %q, want %q", tc.src, got, tc.want)
		}
	}
	// A backslash does not escape the quote, so this string ends early and
	// the rest is garbage.
	if _, err := Parse(`summary = "a\" and id = 1"`); err == nil {
		t.Error(`backslash-escaped quote parsed; the PSA has no escapes`)
	}
}

func TestSyntaxErrors(t *testing.T) {
	for _, tc := range []struct {
		src string
		pos int
	}{
		{``, 0},
		{`summary`, 7},
		{`summary = `, 10},
		{`summary = "open`, 10},
		{`summary == 1`, 9},
		{`(id = 1`, 7},
		{`id = 1 and`, 10},
		{`id = 1 id = 2`, 7},
		{`id = [yesterday]`, 5},
		{`summary like 5`, 13},
		{`id in 1`, 6},
		{`id in (1 2)`, 9},
		{`id not = 1`, 7},
		{`and = 1`, 0},
		{`id = 12abc`, 5},
		{`id ! 1`, 3},
		{`id = 1 #`, 7},
	} {
		_, err := Parse(tc.src)
		var se *SyntaxError
		if !errors.As(err, &se) {
			t.Errorf("Parse(%q) error = %v, want *SyntaxError", tc.src, err)
			continue
		}
		if se.Pos != tc.pos {
			t.Errorf("Parse(%q) error %q at %d, want position %d", tc.src, se, se.Pos, tc.pos)
		}
		if !strings.HasPrefix(se.Msg, "Expected") && !strings.HasPrefix(se.Msg, "Unexpected") {
			t.Errorf("Parse(%q) message %q does not read like the PSA's", tc.src, se.Msg)
		}
	}
}

func TestDeepNestingIsRejectedNotCrashed(t *testing.T) {
	src := strings.Repeat("(", 10000) + "id = 1" + strings.Repeat(")", 10000)
	if _, err := Parse(src); err == nil {
		t.Fatal("10,000 nested parentheses accepted")
	}
	ok := strings.Repeat("(", 50) + "id = 1" + strings.Repeat(")", 50)
	if _, err := Parse(ok); err != nil {
		t.Fatalf("50 levels rejected: %v", err)
	}
}

func TestEval(t *testing.T) {
	ts := time.Date(2024, 5, 2, 10, 0, 0, 0, time.UTC)
	rec := record(map[string]any{
		"id":                42,
		"summary":           `Disk C:\ is 95% full  `,
		"board/name":        "Service Desk",
		"closedFlag":        false,
		"externalXRef":      nil,
		"_info/lastUpdated": ts,
		"estimatedStartDate": func() *time.Time {
			return nil
		}(),
		"company/identifier": "AcmeCorp",
		"priority/id":        int64(3),
	})
	for _, tc := range []struct {
		cond string
		want bool
	}{
		{`id = 42`, true},
		{`id = "42"`, true},
		{`id != 42`, false},
		{`id > 41 and id < 43`, true},
		{`id >= 42 and id <= 42`, true},
		{`id in (1, 42)`, true},
		{`id not in (1, 42)`, false},
		{`id not in (1, 2)`, true},
		{`board/name = "service desk"`, true},
		{`BOARD/NAME = 'SERVICE DESK'`, true},
		{`board/name = "Service Desk   "`, true},
		{`board/name != "Help Desk"`, true},
		{`board/name < "T"`, true},
		{`summary like "disk%"`, true},
		{`summary like "%95[%]%"`, true},
		{`summary like "Disk _:%"`, true},
		{`summary like "Disk [a-c]:%"`, true},
		{`summary like "Disk [^c]:%"`, false},
		{`summary not like "disk%"`, false},
		{`summary contains 'C:\'`, true},
		{`summary contains "FULL"`, true},
		{`summary not contains "empty"`, true},
		{`closedFlag = false`, true},
		{`closedFlag = "False"`, true},
		{`closedFlag = 0`, true},
		{`closedFlag = true or id = 42`, true},
		{`closedFlag = true and id = 42`, false},
		{`externalXRef = null`, true},
		{`externalXRef != null`, false},
		{`externalXRef != "x"`, false}, // SQL: null <> 'x' is not true
		{`externalXRef not like "x%"`, false},
		{`externalXRef not in ("x")`, false},
		{`estimatedStartDate = null`, true},
		{`nosuchfield = null`, true},
		{`nosuchfield = 1`, false},
		{`_info/lastUpdated > [2024-05-01T00:00:00Z]`, true},
		{`_info/lastUpdated > [2024-05-03]`, false},
		{`_info/lastUpdated = "2024-05-02T10:00:00Z"`, true},
		{`company/identifier = "acmecorp" and (priority/id = 3 or id = 0)`, true},
		{`(company/identifier = "x" or priority/id = 4) and id = 42`, false},
		{`priority/id in ("3")`, true},
		{`id = true`, false},
		{`board/name = 5`, false},
		{`id in (null)`, false},
	} {
		e, err := Parse(tc.cond)
		if err != nil {
			t.Errorf("Parse(%q): %v", tc.cond, err)
			continue
		}
		if got := e.Eval(rec); got != tc.want {
			t.Errorf("Eval(%q) = %v, want %v", tc.cond, got, tc.want)
		}
	}
}

func TestPrecedenceAndString(t *testing.T) {
	for _, tc := range []struct{ in, out string }{
		{`a = 1 or b = 2 and c = 3`, `a = 1 or b = 2 and c = 3`},
		{`(a = 1 or b = 2) and c = 3`, `(a = 1 or b = 2) and c = 3`},
		{`a = 1 or (b = 2 or c = 3)`, `a = 1 or (b = 2 or c = 3)`},
		{`((a = 1))`, `a = 1`},
		{`a IN ("x",'y')  AND  b NOT CONTAINS "z"`, `a in ("x", 'y') and b not contains "z"`},
	} {
		e, err := Parse(tc.in)
		if err != nil {
			t.Fatalf("Parse(%q): %v", tc.in, err)
		}
		if got := e.String(); got != tc.out {
			t.Errorf("String(%q) = %q, want %q", tc.in, got, tc.out)
		}
		again, err := Parse(e.String())
		if err != nil || again.String() != e.String() {
			t.Errorf("String() of %q does not re-parse to itself: %v", tc.in, err)
		}
	}
	// and binds tighter than or: a=1 or (b=2 and c=3).
	e, _ := Parse(`a = 1 or b = 2 and c = 3`)
	if !e.Eval(record(map[string]any{"a": 1, "b": 0, "c": 0})) {
		t.Error("and did not bind tighter than or")
	}
}

func TestParseOrderBy(t *testing.T) {
	keys, err := ParseOrderBy(" board/name asc, id DESC ,summary")
	if err != nil {
		t.Fatal(err)
	}
	want := []OrderKey{{"board/name", false}, {"id", true}, {"summary", false}}
	if len(keys) != len(want) {
		t.Fatalf("keys = %+v", keys)
	}
	for i := range want {
		if keys[i] != want[i] {
			t.Errorf("key %d = %+v, want %+v", i, keys[i], want[i])
		}
	}
	for _, bad := range []string{"", "id sideways", "id asc desc", "id,", "1id", "board/ asc", "na-me"} {
		if _, err := ParseOrderBy(bad); err == nil {
			t.Errorf("ParseOrderBy(%q) accepted", bad)
		}
	}
}

func TestCompareValues(t *testing.T) {
	if CompareValues(nil, "a") >= 0 || CompareValues("a", nil) <= 0 || CompareValues(nil, nil) != 0 {
		t.Error("nulls must sort first")
	}
	if CompareValues("apple", "Banana") >= 0 {
		t.Error("strings must compare case-insensitively")
	}
	if CompareValues(2, 10) >= 0 {
		t.Error("numbers must compare numerically")
	}
	a, b := time.Unix(1, 0), time.Unix(2, 0)
	if CompareValues(&a, b) >= 0 {
		t.Error("times must compare chronologically")
	}
}

func TestLikeIsNotExponential(t *testing.T) {
	s := strings.Repeat("a", 5000)
	p := strings.Repeat("%a", 200) + "b"
	start := time.Now()
	if Like(s, p) {
		t.Fatal("matched")
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("pathological pattern took %v", d)
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{
		`board/name = "Service Desk"`,
		`summary like 'Disk%' and (id in (1,2) or closedFlag = true)`,
		`_info/lastUpdated > [2024-05-01T00:00:00Z]`,
		`a not contains "x" or b not in ('y') and c != null`,
		`((((`, `"`, `id = -1.5`, `x = [`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		e, err := Parse(s)
		if err != nil {
			return
		}
		e.Eval(func(string) (any, bool) { return "x", true })
		// The canonical form must parse back to the same comparisons.
		again, err := Parse(e.String())
		if err != nil {
			t.Fatalf("String() %q of %q does not parse: %v", e.String(), s, err)
		}
		a, b := e.Comparisons(), again.Comparisons()
		if len(a) != len(b) {
			t.Fatalf("round trip changed the comparison count: %q -> %q", s, e.String())
		}
		for i := range a {
			if a[i].Field != b[i].Field || a[i].Op != b[i].Op || a[i].Value.Raw != b[i].Value.Raw {
				t.Fatalf("round trip changed comparison %d: %+v -> %+v", i, a[i], b[i])
			}
		}
	})
}
