package psaspec_test

import (
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"os"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/psabridge/psabridge/connectwise"
	"github.com/psabridge/psabridge/connectwise/cwcompany"
	"github.com/psabridge/psabridge/connectwise/cwconfigurations"
	"github.com/psabridge/psabridge/connectwise/cwexpense"
	"github.com/psabridge/psabridge/connectwise/cwfinance"
	"github.com/psabridge/psabridge/connectwise/cwmarketing"
	"github.com/psabridge/psabridge/connectwise/cwprocurement"
	"github.com/psabridge/psabridge/connectwise/cwproject"
	"github.com/psabridge/psabridge/connectwise/cwsales"
	"github.com/psabridge/psabridge/connectwise/cwschedule"
	"github.com/psabridge/psabridge/connectwise/cwservice"
	"github.com/psabridge/psabridge/connectwise/cwsystem"
	"github.com/psabridge/psabridge/connectwise/cwtime"
	"github.com/psabridge/psabridge/connectwise/internal/psaspec"
)

// specOps reads the operations straight from the gzipped spec (not from
// anything generated), keyed "GET /company/contacts/{}" with every path
// parameter written {}. Two operations can share a key: GET
// /system/members/{id} and /system/members/{memberIdentifier}.
func specOps(t *testing.T) map[string][]string {
	t.Helper()
	var doc struct {
		Paths map[string]map[string]struct {
			OperationID string `json:"operationId"`
		} `json:"paths"`
	}
	decodeSpec(t, &doc)
	out := map[string][]string{}
	for p, verbs := range doc.Paths {
		// The two paths the spec's extraction truncated (PROVENANCE.md).
		if i := strings.Index(p, ":regex("); i >= 0 {
			p = p[:i] + "}"
		}
		for v, op := range verbs {
			k := strings.ToUpper(v) + " " + placeholders(p)
			out[k] = append(out[k], op.OperationID)
		}
	}
	return out
}

func placeholders(p string) string {
	segs := strings.Split(p, "/")
	for i, s := range segs {
		if strings.HasPrefix(s, "{") {
			segs[i] = "{}"
		}
	}
	return strings.Join(segs, "/")
}

// recorder answers every request with a JSON null (which decodes into
// any result) and records method and path.
type recorder struct {
	mu   sync.Mutex
	reqs []*http.Request
}

func (r *recorder) RoundTrip(req *http.Request) (*http.Response, error) {
	r.mu.Lock()
	r.reqs = append(r.reqs, req)
	r.mu.Unlock()
	if req.Body != nil {
		_, _ = io.Copy(io.Discard, req.Body)
		_ = req.Body.Close()
	}
	return &http.Response{StatusCode: 200, Header: http.Header{"Content-Type": {"application/json"}}, Body: io.NopCloser(strings.NewReader("null")), Request: req}, nil
}

func (r *recorder) take() []*http.Request {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := r.reqs
	r.reqs = nil
	return out
}

// areaClients builds every generated area package on c.
func areaClients(c *connectwise.Client) map[string]any {
	return map[string]any{
		"company": cwcompany.New(c), "configurations": cwconfigurations.New(c), "expense": cwexpense.New(c),
		"finance": cwfinance.New(c), "marketing": cwmarketing.New(c), "procurement": cwprocurement.New(c),
		"project": cwproject.New(c), "sales": cwsales.New(c), "schedule": cwschedule.New(c),
		"service": cwservice.New(c), "system": cwsystem.New(c), "time": cwtime.New(c),
	}
}

// TestEveryOperationHasAMethod calls every exported method of every service
// of every generated package with placeholder arguments and checks the
// requests they send against the spec: each operation of the spec must be
// sent by some method, and no method may send a request the spec does not
// have. It fails if the spec gains an operation the packages lack, or if a
// method builds a wrong path or verb.
func TestEveryOperationHasAMethod(t *testing.T) {
	want := specOps(t)
	rec := &recorder{}
	c, err := connectwise.NewClient(connectwise.Config{
		Site: "https://psa.example", CompanyID: "co", PublicKey: "pub", PrivateKey: "priv",
		ClientID: "00000000-0000-4000-8000-000000000000", Codebase: "v2025_1/",
	}, connectwise.WithHTTPClient(&http.Client{Transport: rec}), connectwise.WithRateLimit(1e9, 1e6))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	got := map[string][]string{} // "GET /path/{}" -> methods sending it
	methods := 0
	areas := areaClients(c)
	for _, area := range slices.Sorted(maps.Keys(areas)) {
		ac := reflect.ValueOf(areas[area]).Elem()
		for i := 0; i < ac.NumField(); i++ {
			svc := ac.Field(i)
			for m := 0; m < svc.NumMethod(); m++ {
				name := fmt.Sprintf("%s.%s.%s", area, ac.Type().Field(i).Name, svc.Type().Method(m).Name)
				methods++
				dummies := map[string]bool{}
				callWithPlaceholders(ctx, svc.Method(m), dummies)
				reqs := rec.take()
				if len(reqs) != 1 {
					t.Errorf("%s sent %d requests, want 1", name, len(reqs))
					continue
				}
				r := reqs[0]
				p, ok := strings.CutPrefix(r.URL.Path, "/v2025_1/apis/3.0")
				if !ok {
					t.Errorf("%s sent %s outside the API root", name, r.URL.Path)
					continue
				}
				segs := strings.Split(p, "/")
				for j, s := range segs {
					if dummies[s] {
						segs[j] = "{}"
					}
				}
				key := r.Method + " " + strings.Join(segs, "/")
				if _, ok := want[key]; !ok {
					t.Errorf("%s sent %s, which is not an operation of the spec", name, key)
				}
				got[key] = append(got[key], name)
			}
		}
	}
	total, covered := 0, 0
	for k, ids := range want {
		total += len(ids)
		// Each operation needs its own method: a route shared by two
		// operations must be sent by at least two methods.
		if n := len(got[k]); n < len(ids) {
			t.Errorf("%s (%s) is sent by %d method(s) %v, want at least %d", k, strings.Join(ids, ", "), n, got[k], len(ids))
			covered += n
			continue
		}
		covered += len(ids)
	}
	t.Logf("%d methods (List and All counted apart) cover %d of the spec's %d operations", methods, covered, total)
	if covered != total {
		t.Errorf("%d operations of the spec have no method", total-covered)
	}
}

// callWithPlaceholders calls m with a background context, distinct
// numbers and strings for path parameters (recorded in dummies), empty
// bodies and nil options, and walks one step of any iterator it returns.
func callWithPlaceholders(ctx context.Context, m reflect.Value, dummies map[string]bool) {
	mt := m.Type()
	n := mt.NumIn()
	args := make([]reflect.Value, 0, n)
	for i := 0; i < n; i++ {
		at := mt.In(i)
		if mt.IsVariadic() && i == n-1 {
			// ...connectwise.PatchOp: one operation.
			args = append(args, reflect.ValueOf(connectwise.Replace("name", "x")))
			continue
		}
		switch {
		case i == 0:
			args = append(args, reflect.ValueOf(ctx))
		case at.Kind() == reflect.Int:
			v := 7001 + i
			dummies[strconv.Itoa(v)] = true
			args = append(args, reflect.ValueOf(v))
		case at.Kind() == reflect.String:
			v := fmt.Sprintf("ident%d", i)
			dummies[v] = true
			args = append(args, reflect.ValueOf(v))
		case at == reflect.TypeFor[*connectwise.ListOptions]():
			args = append(args, reflect.Zero(at))
		case at.Kind() == reflect.Pointer && strings.HasSuffix(at.Elem().Name(), "Params"):
			args = append(args, reflect.Zero(at))
		case at.Kind() == reflect.Pointer:
			v := reflect.New(at.Elem())
			fillRequired(v.Elem())
			args = append(args, v)
		case at.Kind() == reflect.Slice:
			v := reflect.MakeSlice(at, 1, 1)
			fillRequired(v.Index(0))
			args = append(args, v)
		default:
			args = append(args, reflect.Zero(at))
		}
	}
	out := m.Call(args)
	if len(out) == 1 && out[0].Kind() == reflect.Func {
		// iter.Seq2: pull one item.
		yield := reflect.MakeFunc(out[0].Type().In(0), func([]reflect.Value) []reflect.Value {
			return []reflect.Value{reflect.ValueOf(false)}
		})
		out[0].Call([]reflect.Value{yield})
	}
}

// TestTableMatchesSpec checks the generated table the simulator reads
// against the spec file itself.
func TestTableMatchesSpec(t *testing.T) {
	want := specOps(t)
	total := 0
	for _, ids := range want {
		total += len(ids)
	}
	ops := psaspec.Operations()
	if len(ops) != total {
		t.Fatalf("table has %d operations, spec %d", len(ops), total)
	}
	for _, o := range ops {
		ids := want[o.Method+" "+placeholders(o.Path)]
		if !slices.Contains(ids, o.OperationID) {
			t.Errorf("table %s %s (%s) is not in the spec (spec has %v there)", o.Method, o.Path, o.OperationID, ids)
		}
	}
}

// fillRequired gives every field the spec requires (a cw tag with
// "required" or "update") a value, so that bodies pass the checks made
// before sending.
func fillRequired(v reflect.Value) {
	if v.Kind() != reflect.Struct {
		return
	}
	for i := 0; i < v.NumField(); i++ {
		tag := v.Type().Field(i).Tag.Get("cw")
		if !strings.Contains(tag, "required") && !strings.Contains(tag, "update") {
			continue
		}
		f := v.Field(i)
		switch f.Kind() {
		case reflect.Pointer:
			p := reflect.New(f.Type().Elem())
			if p.Elem().Kind() == reflect.String {
				p.Elem().SetString("x")
			}
			f.Set(p)
		case reflect.Slice:
			f.Set(reflect.MakeSlice(f.Type(), 1, 1))
		case reflect.Map:
			f.Set(reflect.MakeMap(f.Type()))
			f.SetMapIndex(reflect.Zero(f.Type().Key()), reflect.Zero(f.Type().Elem()))
		case reflect.Interface:
			f.Set(reflect.ValueOf("x"))
		}
	}
}

// decodeSpec decodes the gzipped spec file into doc; each test declares only
// the parts of the spec it compares, so the shapes stay with their tests.
func decodeSpec(t *testing.T, doc any) {
	t.Helper()
	f, err := os.Open("connectwise-psa-openapi.json.gz")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.NewDecoder(zr).Decode(doc); err != nil {
		t.Fatal(err)
	}
}
