package connectwise_test

// Fuzz targets for everything in this package that turns untrusted input
// into something else: values into conditions (Where, Literal), values into
// JSON Patch (PatchOp), and server bodies into records (the list and get
// decoders). Error bodies (CheckResponse) are fuzzed for all four clients
// at once by internal/conformance's FuzzCheckResponse.
//
// The conditions targets check Where against internal/psaquery, the parser
// the cwtest simulator filters with, so "what Where emits" and "what the
// simulator (and the PSA grammar it models) reads back" cannot drift apart.
//
// CI runs only the seeds (f.Add and testdata/fuzz/<Target>); to search for
// new failures run one target at a time, for example
//
//	go test ./connectwise -run '^$' -fuzz '^FuzzWhereRoundTrip$' -fuzztime 20s

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"math"
	"net/http"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/psabridge/psabridge/connectwise"
	"github.com/psabridge/psabridge/internal/psaquery"
	"github.com/psabridge/psabridge/internal/testbody"
)

// fzSecret is the private key of the decoding fuzzer's client; no error
// text may ever contain it.
const fzSecret = "PRIV-KEY-sup3rs3cret"

// fzSingleOps are the operators that take one value.
var fzSingleOps = []string{"=", "!=", "<", "<=", ">", ">=", "like", "not like", "contains", "not contains"}

// fzStringSeeds are values that have broken quoting code before: quotes of
// either kind, backslashes (no escapes in the grammar), like wildcards,
// placeholders and grammar words inside values, non-ASCII and invalid UTF-8.
var fzStringSeeds = []string{
	"", "plain", `O'Brien`, `say "hi"`, `both " and '`, `back\slash\`, `\"`, `\'`,
	"100%_[a-z]", "日本語 ✓", "\x00\xff\xfe", "?", "??", "a = ? or b", "  trailing  ",
	"\n\t\r", "]", "[2024-01-01]", "null", "true", "42", "-1", ")", "(", ",",
	`x" or id > 0 or summary = "`, `x' or id > 0 or summary = '`,
}

func fzBothQuotes(s string) bool { return strings.Contains(s, `"`) && strings.Contains(s, `'`) }

// fzParse parses what Where produced with the simulator's parser.
func fzParse(t *testing.T, c connectwise.Conditions) *psaquery.Expr {
	t.Helper()
	if err := c.Err(); err != nil {
		t.Fatalf("Where failed: %v", err)
	}
	e, err := psaquery.Parse(c.String())
	if err != nil {
		t.Fatalf("Where emitted %q, which the PSA grammar rejects: %v", c.String(), err)
	}
	return e
}

// fzCheckString asserts that v is the string literal s, byte for byte.
func fzCheckString(t *testing.T, what string, v psaquery.Value, s string) {
	t.Helper()
	if v.Kind != psaquery.String || v.Str != s {
		t.Fatalf("%s: literal %s reads back as %v %q, want string %q", what, v.Raw, v.Kind, v.Str, s)
	}
}

// FuzzWhereRoundTrip proves that any string, after any single-value
// operator, reaches the PSA as exactly that string (backslashes, %, quotes
// and invalid UTF-8 included), or is refused with ErrUnquotable when it
// holds both quote characters, the one value the grammar cannot express.
func FuzzWhereRoundTrip(f *testing.F) {
	for i, s := range fzStringSeeds {
		f.Add(s, uint8(i))
	}
	f.Fuzz(func(t *testing.T, s string, opSel uint8) {
		op := fzSingleOps[int(opSel)%len(fzSingleOps)]
		c := connectwise.Where("summary "+op+" ?", s)
		if fzBothQuotes(s) {
			if !errors.Is(c.Err(), connectwise.ErrUnquotable) {
				t.Fatalf("Where(%q) = %q, %v; want ErrUnquotable", s, c.String(), c.Err())
			}
			return
		}
		cs := fzParse(t, c).Comparisons()
		if len(cs) != 1 || cs[0].Field != "summary" || string(cs[0].Op) != op {
			t.Fatalf("Where(%q) = %q parses as %+v; want one summary %s comparison", s, c.String(), cs, op)
		}
		fzCheckString(t, "Where", cs[0].Value, s)
		if lit, err := connectwise.Literal(s); err != nil || lit != cs[0].Value.Raw {
			t.Fatalf("Literal(%q) = %q, %v; Where wrote %q", s, lit, err, cs[0].Value.Raw)
		}
	})
}

// FuzzWhereScalars proves the non-string literals round-trip: integers of
// every width exactly as written, bools, floats (or an error for NaN, ±Inf
// and magnitudes the PSA cannot store), nil as null, and times at second
// precision in UTC whatever their zone.
func FuzzWhereScalars(f *testing.F) {
	f.Add(int64(0), uint64(0), false, int64(0), int64(0), 0.0, int32(0))
	f.Add(int64(-1), uint64(1), true, int64(1714521600), int64(999999999), -1.5, int32(3600))
	f.Add(int64(math.MaxInt64), uint64(math.MaxUint64), true, int64(-62135596800), int64(1), 1e300, int32(-43200))
	f.Add(int64(math.MinInt64), uint64(1<<53+1), false, int64(253402300799), int64(0), math.SmallestNonzeroFloat64, int32(50400))
	f.Add(int64(1<<53+1), uint64(42), false, int64(-1), int64(-1), math.Copysign(0, -1), int32(1))
	f.Add(int64(7), uint64(7), true, int64(0), int64(0), math.Inf(1), int32(0))
	f.Add(int64(7), uint64(7), true, int64(0), int64(0), math.NaN(), int32(0))
	f.Add(int64(7), uint64(7), true, int64(253402300800), int64(0), 2.0, int32(0)) // year 10000, folded
	f.Fuzz(func(t *testing.T, i int64, u uint64, b bool, sec, nsec int64, fl float64, zone int32) {
		// Years outside 0000-9999 are a known bug (see
		// TestWhereTimeOutsideFourDigitYears); fold sec into that range,
		// zones included, so the other values keep being fuzzed.
		const minSec, maxSec = -62167219200 + 18*3600, 253402300799 - 18*3600
		sec = minSec + int64(uint64(sec)%uint64(maxSec-minSec))
		tm := time.Unix(sec, nsec).In(time.FixedZone("fuzz", int(zone%(18*3600))))
		const tmpl = "a = ? and b = ? and c = ? and d >= ? and e < ? and f != ? and g = ?"
		c := connectwise.Where(tmpl, i, u, b, tm, fl, nil, int8(i))
		if math.IsNaN(fl) || math.Abs(fl) > 1e300 {
			if c.Err() == nil {
				t.Fatalf("Where accepted float %v: %q", fl, c.String())
			}
			return
		}
		cs := fzParse(t, c).Comparisons()
		if len(cs) != 7 {
			t.Fatalf("%q has %d comparisons, want 7", c.String(), len(cs))
		}
		num := func(k int, raw string, want float64) {
			v := cs[k].Value
			if v.Kind != psaquery.Number || v.Raw != raw || v.Num != want {
				t.Fatalf("comparison %d: %s reads back as %v %v, want number %s", k, v.Raw, v.Kind, v.Num, raw)
			}
		}
		num(0, strconv.FormatInt(i, 10), float64(i))
		num(1, strconv.FormatUint(u, 10), float64(u))
		if v := cs[2].Value; v.Kind != psaquery.Bool || v.Bool != b {
			t.Fatalf("bool %v reads back as %v %v", b, v.Kind, v.Raw)
		}
		utc := tm.UTC()
		want := time.Date(utc.Year(), utc.Month(), utc.Day(), utc.Hour(), utc.Minute(), utc.Second(), 0, time.UTC)
		if v := cs[3].Value; v.Kind != psaquery.DateTime || !v.Time.Equal(want) || v.Time.Location() != time.UTC {
			t.Fatalf("time %v reads back as %v %v, want %v", tm, v.Kind, v.Time, want)
		}
		if v := cs[4].Value; v.Kind != psaquery.Number || v.Num != fl {
			t.Fatalf("float %v reads back as %v %s", fl, v.Kind, v.Raw)
		}
		if v := cs[5].Value; v.Kind != psaquery.Null {
			t.Fatalf("nil reads back as %v %s", v.Kind, v.Raw)
		}
		num(6, strconv.Itoa(int(int8(i))), float64(int8(i)))
	})
}

// TestWhereTimeOutsideFourDigitYears: a time.Time before year 0 or after
// 9999 is formatted as [10000-01-01T00:00:00Z] or [-0001-...], which the
// PSA grammar (psaquery.ParseTime, like the PSA's own date parser) cannot
// read, so the request fails server-side with a confusing syntax error
// instead of Where reporting the bad value. Found by FuzzWhereScalars.
func TestWhereTimeOutsideFourDigitYears(t *testing.T) {
	for _, tm := range []time.Time{time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(-1, 1, 1, 0, 0, 0, 0, time.UTC)} {
		c := connectwise.Where("requiredDate < ?", tm)
		if c.Err() != nil {
			continue
		}
		if _, err := psaquery.Parse(c.String()); err != nil {
			t.Errorf("Where(%v) = %q, which the PSA grammar rejects (%v); want an error from Where", tm, c.String(), err)
		}
	}
}

// FuzzWhereInList proves that "in ?" and "not in ?" carry every element of
// a slice, in order: strings, integers and mixed []any lists with bools and
// nulls. A single unquotable element fails the whole conditions.
func FuzzWhereInList(f *testing.F) {
	f.Add("a\x00b\x00c", int64(1), uint8(0))
	f.Add("", int64(-5), uint8(1))
	f.Add(`O'Brien`+"\x00"+`say "hi"`, int64(0), uint8(2))
	f.Add(`both " and '`+"\x00ok", int64(7), uint8(3))
	f.Add("x\x00,\x00)\x00(\x00?", int64(math.MinInt64), uint8(4))
	f.Add("null\x00true\x0042", int64(math.MaxInt64), uint8(5))
	f.Fuzz(func(t *testing.T, joined string, n int64, sel uint8) {
		strs := strings.Split(joined, "\x00")
		ints := []int64{n, -n, n / 3}
		mixed := []any{strs[0], n, sel%2 == 0, nil, strs[len(strs)-1]}
		op := "in"
		if sel%3 == 1 {
			op = "not in"
		}
		c := connectwise.Where("summary "+op+" ? and id "+op+" ? and name in ?", strs, ints, mixed)
		if slices.ContainsFunc(strs, fzBothQuotes) {
			if !errors.Is(c.Err(), connectwise.ErrUnquotable) {
				t.Fatalf("Where(%q) = %q, %v; want ErrUnquotable", strs, c.String(), c.Err())
			}
			return
		}
		cs := fzParse(t, c).Comparisons()
		if len(cs) != 3 {
			t.Fatalf("%q has %d comparisons, want 3", c.String(), len(cs))
		}
		if string(cs[0].Op) != op || len(cs[0].Values) != len(strs) {
			t.Fatalf("%q: %s list of %d, want %s list of %d", c.String(), cs[0].Op, len(cs[0].Values), op, len(strs))
		}
		for k, s := range strs {
			fzCheckString(t, "string list element "+strconv.Itoa(k), cs[0].Values[k], s)
		}
		if len(cs[1].Values) != len(ints) {
			t.Fatalf("%q: int list of %d, want %d", c.String(), len(cs[1].Values), len(ints))
		}
		for k, v := range ints {
			if got := cs[1].Values[k]; got.Kind != psaquery.Number || got.Raw != strconv.FormatInt(v, 10) {
				t.Fatalf("int list element %d: %s, want %d", k, got.Raw, v)
			}
		}
		m := cs[2].Values
		if len(m) != len(mixed) {
			t.Fatalf("%q: mixed list of %d, want %d", c.String(), len(m), len(mixed))
		}
		fzCheckString(t, "mixed element 0", m[0], strs[0])
		if m[1].Raw != strconv.FormatInt(n, 10) || m[2].Kind != psaquery.Bool || m[2].Bool != (sel%2 == 0) || m[3].Kind != psaquery.Null {
			t.Fatalf("mixed list %q reads back as %v", c.String(), m)
		}
		fzCheckString(t, "mixed element 4", m[4], strs[len(strs)-1])
	})
}

// FuzzWhereNoInjection proves that no value can change the shape of the
// conditions: two hostile strings in four placeholders, joined with Or and
// And, always parse back to exactly four comparisons on the template's
// fields with the values given, and the and/or structure still decides
// which records match.
func FuzzWhereNoInjection(f *testing.F) {
	for i, s := range fzStringSeeds {
		f.Add(s, fzStringSeeds[(i+7)%len(fzStringSeeds)])
	}
	f.Fuzz(func(t *testing.T, a, b string) {
		c := connectwise.Where("summary = ? and name like ?", a, b).
			Or(connectwise.Where("board/name in ?", []string{b, a})).
			And(connectwise.Where("closedFlag = ?", false))
		if fzBothQuotes(a) || fzBothQuotes(b) {
			if !errors.Is(c.Err(), connectwise.ErrUnquotable) {
				t.Fatalf("Where(%q, %q) = %q, %v; want ErrUnquotable", a, b, c.String(), c.Err())
			}
			return
		}
		e := fzParse(t, c)
		cs := e.Comparisons()
		fields := make([]string, len(cs))
		for k, cmp := range cs {
			fields[k] = cmp.Field
		}
		if !reflect.DeepEqual(fields, []string{"summary", "name", "board/name", "closedFlag"}) {
			t.Fatalf("values %q, %q changed the conditions: %q reads fields %q", a, b, c.String(), fields)
		}
		fzCheckString(t, "summary", cs[0].Value, a)
		fzCheckString(t, "name", cs[1].Value, b)
		if len(cs[2].Values) != 2 {
			t.Fatalf("in list has %d values, want 2", len(cs[2].Values))
		}
		fzCheckString(t, "in[0]", cs[2].Values[0], b)
		fzCheckString(t, "in[1]", cs[2].Values[1], a)
		// (… or board/name in (b, a)) and closedFlag = false: the last
		// comparison must still gate the whole expression.
		record := func(closed bool) psaquery.Getter {
			return func(path string) (any, bool) {
				switch path {
				case "board/name":
					return a, true
				case "closedFlag":
					return closed, true
				}
				return nil, false
			}
		}
		if !e.Eval(record(false)) || e.Eval(record(true)) {
			t.Fatalf("%q: and/or structure lost (open record matches %v, closed matches %v)", c.String(), e.Eval(record(false)), e.Eval(record(true)))
		}
	})
}

// FuzzPatchMarshal proves that a patch is always a valid JSON array whose
// op and path come through unchanged (for valid UTF-8; encoding/json turns
// invalid bytes into U+FFFD), whose value round-trips, whose explicit null
// survives (to clear a field) and whose remove carries no value.
func FuzzPatchMarshal(f *testing.F) {
	f.Add("summary", []byte(`"new"`), "s", int64(1), "replace")
	f.Add("/status", []byte(`{"id":5,"name":"Closed"}`), "", int64(-1), "remove")
	f.Add("a/b", []byte(`[1,2.5,"x",null,true]`), "日本", int64(math.MaxInt64), "add")
	f.Add("", []byte(`null`), "\xff", int64(0), "")
	f.Add("\"quoted\"\n<>&\u2028", []byte(`not json`), `\"`, int64(math.MinInt64), "move")
	f.Add("x", []byte(`1e308`), "\x00", int64(7), "REMOVE")
	f.Fuzz(func(t *testing.T, path string, valueJSON []byte, s string, n int64, op string) {
		var v any
		if json.Unmarshal(valueJSON, &v) != nil && utf8.ValidString(s) {
			v = s
		}
		ops := []connectwise.PatchOp{
			connectwise.Replace(path, v),
			connectwise.Add(path, s),
			connectwise.Remove(path),
			connectwise.Replace(path, nil),
			{Op: op, Path: path, Value: n},
		}
		out, err := json.Marshal(ops)
		if err != nil {
			t.Fatalf("marshal %+v: %v", ops, err)
		}
		if !json.Valid(out) || out[0] != '[' {
			t.Fatalf("patch is not a JSON array: %s", out)
		}
		var got []map[string]json.RawMessage
		if err := json.Unmarshal(out, &got); err != nil || len(got) != len(ops) {
			t.Fatalf("patch %s: %d objects, %v", out, len(got), err)
		}
		str := func(k int, key string) string {
			var x string
			if err := json.Unmarshal(got[k][key], &x); err != nil {
				t.Fatalf("op %d %s: %s: %v", k, key, got[k][key], err)
			}
			return x
		}
		for k, o := range ops {
			if gotOp, gotPath := str(k, "op"), str(k, "path"); (utf8.ValidString(o.Op) && gotOp != o.Op) || (utf8.ValidString(o.Path) && gotPath != o.Path) {
				t.Fatalf("op %d: sent op %q path %q, wire has %q %q", k, o.Op, o.Path, gotOp, gotPath)
			}
			raw, has := got[k]["value"]
			if o.Op == "remove" {
				if has {
					t.Fatalf("op %d: remove carries a value: %s", k, out)
				}
				continue
			}
			if !has {
				t.Fatalf("op %d: %s lost its value: %s", k, o.Op, out)
			}
			switch k {
			case 0:
				var back any
				if err := json.Unmarshal(raw, &back); err != nil || !reflect.DeepEqual(back, v) {
					t.Fatalf("value %#v came back as %#v (%v)", v, back, err)
				}
			case 1:
				if x := str(k, "value"); utf8.ValidString(s) && x != s {
					t.Fatalf("value %q came back as %q", s, x)
				}
			case 3:
				if string(raw) != "null" {
					t.Fatalf("explicit null became %s", raw)
				}
			case 4:
				if string(raw) != strconv.FormatInt(n, 10) {
					t.Fatalf("value %d came back as %s", n, raw)
				}
			}
		}
	})
}

// fzClient returns a client whose every API request is answered by answer,
// with discovery answered and retries off, so one fuzz input costs one
// round trip per call. Every response body is tracked.
func fzClient(t *testing.T, answer func(r *http.Request) (int, []byte)) (*connectwise.Client, *testbody.Transport) {
	t.Helper()
	rt := &testbody.Transport{Answer: func(_ int, r *http.Request) (int, []byte) {
		if strings.HasPrefix(r.URL.Path, "/login/") {
			return http.StatusOK, []byte(`{"Codebase":"v2025_1/"}`)
		}
		return answer(r)
	}}
	cfg := connectwise.Config{Site: "api-na.myconnectwise.net", CompanyID: "acme", PublicKey: "PUBKEY12", PrivateKey: fzSecret, ClientID: "11111111-2222-3333-4444-555555555555"}
	c, err := connectwise.NewClient(cfg, connectwise.WithHTTPClient(&http.Client{Transport: rt}),
		connectwise.WithRateLimit(0, 1), connectwise.WithRetry(0, time.Millisecond, time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	return c, rt
}

// fzRoundTripper adapts a function to http.RoundTripper.
type fzRoundTripper func(*http.Request) (*http.Response, error)

func (f fzRoundTripper) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// fzFirstValueOK reports whether body is empty or starts with one
// syntactically complete JSON value, which is all the decoders promise to
// read (a well-formed 1e700 in a field they ignore is fine).
func fzFirstValueOK(body []byte) bool {
	if len(bytes.TrimSpace(body)) == 0 {
		return true
	}
	var v json.RawMessage
	return json.NewDecoder(bytes.NewReader(body)).Decode(&v) == nil
}

// FuzzDecodeTickets proves that any 200 body on the ticket, company and
// count endpoints gives either a value or an error, never a panic; that a
// body whose JSON is broken is an error rather than a silently empty
// result; and that every body is closed.
func FuzzDecodeTickets(f *testing.F) {
	f.Add([]byte(`[{"id":1,"summary":"Printer","board":{"id":1,"name":"Service Desk"},"_info":{"lastUpdated":"2024-05-01T00:00:00Z"}}]`))
	f.Add([]byte(`{"id":1,"summary":"x","closedFlag":true,"requiredDate":"2024-05-01T00:00:00Z"}`))
	f.Add([]byte(`{"count":12}`))
	f.Add([]byte(`null`))
	f.Add([]byte(``))
	f.Add([]byte(`[{"id":"1"}]`))
	f.Add([]byte(`[{"id":1e400}]`))
	f.Add([]byte(`{"id":1,"requiredDate":"not a date"}`))
	f.Add([]byte(`<html>proxy error</html>`))
	f.Add([]byte(`[{"id":1},`))
	f.Add([]byte(`[] trailing`))
	f.Fuzz(func(t *testing.T, body []byte) {
		c, rt := fzClient(t, func(*http.Request) (int, []byte) { return http.StatusOK, body })
		ctx := context.Background()
		check := func(what string, ok bool, err error) {
			t.Helper()
			if err == nil && !ok {
				t.Fatalf("%s: no value and no error for %q", what, body)
			}
			if err == nil && !fzFirstValueOK(body) {
				t.Fatalf("%s: broken JSON %q accepted", what, body)
			}
			if err != nil && strings.Contains(err.Error(), fzSecret) {
				t.Fatalf("%s: error repeats the private key: %v", what, err)
			}
		}
		_, _, err := c.Tickets.List(ctx, nil)
		check("Tickets.List", true, err)
		ticket, _, err := c.Tickets.Get(ctx, 1)
		check("Tickets.Get", ticket != nil, err)
		_, _, err = c.Tickets.Count(ctx, connectwise.Conditions{})
		check("Tickets.Count", true, err)
		_, _, err = c.Companies.List(ctx, nil)
		check("Companies.List", true, err)
		company, _, err := c.Companies.Get(ctx, 1)
		check("Companies.Get", company != nil, err)
		if open := rt.Unclosed(); len(open) > 0 {
			t.Fatalf("response bodies %v of %d not closed", open, rt.Calls())
		}
	})
}
