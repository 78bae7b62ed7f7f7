package main

import (
	"fmt"
	"sort"
	"strings"
)

// kind is how a generated method calls the connectwise machinery.
type kind int

const (
	kList     kind = iota // GET returning an array: List + All
	kGet                  // GET returning one object
	kCount                // GET .../count
	kDownload             // GET returning bytes (images, documents, PDFs)
	kSearch               // POST .../search with FilterValues
	kSend                 // POST or PUT with a JSON answer
	kPatch                // PATCH with JSON Patch operations
	kDo                   // DELETE, or an action answered with no body
)

// method is one generated method (two for lists: List and All).
type method struct {
	*op
	Service string // "Contacts"
	Name    string // "ListNotes"
	AllName string // "AllNotes" for kList
	Kind    kind
	Args    []pathArg
	Result  string // Go type of the answer, qualified ("cwmodel.Contact", "[]cwmodel.Usage")
	Elem    string // element type for kList/kSearch
	BodyT   string // Go type of the body for kSend ("*cwmodel.Contact"), "" for none
	Params  string // name of the operation-specific parameter struct, "" for none
}

type pathArg struct {
	Name   string // Go parameter name
	Spec   string // name in the spec path
	String bool
}

// area is one generated package.
type area struct {
	Name     string // "company"
	Pkg      string // "cwcompany"
	Services []string
	Methods  map[string][]*method // by service
	Ops      int
}

func buildAreas(ops []*op, m *models) (map[string]*area, error) {
	areas := map[string]*area{}
	for _, o := range ops {
		a := areas[o.Area]
		if a == nil {
			a = &area{Name: o.Area, Pkg: "cw" + strings.ToLower(o.Area), Methods: map[string][]*method{}}
			areas[o.Area] = a
		}
		a.Ops++
		segs := strings.Split(strings.Trim(o.Wire, "/"), "/")
		svc := exported(segs[1])
		if _, ok := a.Methods[svc]; !ok {
			a.Services = append(a.Services, svc)
		}
		mt := describe(o, segs, m)
		mt.Service = svc
		a.Methods[svc] = append(a.Methods[svc], mt)
	}
	for _, a := range areas {
		sort.Strings(a.Services)
		for _, svc := range a.Services {
			resolveNames(a.Methods[svc])
		}
	}
	return areas, nil
}

// describe decides the method's kind, base name, arguments and types.
func describe(o *op, segs []string, m *models) *method {
	mt := &method{op: o}
	// Words of the path after the resource: static segments, singular
	// when an id follows them.
	rest := segs[2:]
	var ws []string
	used := map[string]int{}
	prev := segs[1]
	for i, s := range segs {
		if !strings.HasPrefix(s, "{") {
			prev = s
			continue
		}
		specName := strings.Trim(s, "{}")
		var prm *parameter
		for _, p := range o.Params {
			if p.Name == specName {
				prm = p
			}
		}
		// A parameter the spec forgot to declare is a string unless its
		// name says id (the repaired memberIdentifier paths).
		str := (prm != nil && prm.Schema != nil && prm.Schema.Type == "string") ||
			(prm == nil && !strings.HasSuffix(strings.ToLower(specName), "id"))
		name := unexported(exported(singular(prev)) + "ID")
		if str || i < 2 {
			name = unexported(specName)
		}
		used[name]++
		if used[name] > 1 {
			name = fmt.Sprintf("%s%d", name, used[name])
		}
		mt.Args = append(mt.Args, pathArg{Name: name, Spec: specName, String: str})
	}
	for i, s := range rest {
		if strings.HasPrefix(s, "{") || s == "" {
			continue
		}
		w := exported(s)
		if i+1 < len(rest) && strings.HasPrefix(rest[i+1], "{") {
			w = singular(w)
		}
		ws = append(ws, w)
	}
	last := segs[len(segs)-1]
	itemLevel := strings.HasPrefix(last, "{")
	join := strings.Join(ws, "")
	isArray := o.Resp != nil && o.Resp.Type == "array"
	switch o.Verb {
	case "get":
		switch {
		case last == "count" && o.Resp.refName() == "Count":
			mt.Kind = kCount
			mt.Name = "Count" + strings.Join(ws[:len(ws)-1], "")
		case o.Resp == nil || (o.Resp.Type == "string" && o.Resp.refName() == ""):
			mt.Kind = kDownload
			mt.Name = "Get" + join
		case isArray:
			mt.Kind = kList
			mt.Name = "List" + join
			mt.AllName = "All" + join
		default:
			mt.Kind = kGet
			mt.Name = "Get" + join
		}
	case "post":
		switch {
		case last == "search" && o.Body.refName() == "FilterValues" && isArray:
			mt.Kind = kSearch
			mt.Name = "Search" + strings.Join(ws[:len(ws)-1], "")
		case o.Status == 201 || (len(ws) == 0 && !itemLevel):
			mt.Name = "Create" + singularLast(ws)
		default:
			mt.Name = join
			if mt.Name == "" {
				mt.Name = "Post"
			}
		}
	case "put":
		mt.Name = "Update" + join
	case "patch":
		mt.Kind = kPatch
		mt.Name = "Patch" + join
	case "delete":
		mt.Kind = kDo
		mt.Name = "Delete" + join
	}
	if o.Verb == "post" || o.Verb == "put" {
		mt.Kind = kSend
		if mt.Name[:min(6, len(mt.Name))] == "Search" && o.Body.refName() == "FilterValues" && isArray {
			mt.Kind = kSearch
		}
		if o.Resp == nil {
			mt.Kind = kDo
		}
		if o.Body != nil {
			t := m.valueType(o.Body, "", "", "cwmodel.")
			if !strings.HasPrefix(t, "[]") && !strings.HasPrefix(t, "map[") && t != "any" {
				t = "*" + t
			}
			mt.BodyT = t
		}
	}
	if o.Resp != nil {
		mt.Result = m.valueType(o.Resp, "", "", "cwmodel.")
		if isArray {
			mt.Elem = m.valueType(o.Resp.Items, "", "", "cwmodel.")
		}
	}
	if mt.Kind == kDownload {
		mt.Result = "[]byte"
	}
	return mt
}

func singularLast(ws []string) string {
	if len(ws) == 0 {
		return ""
	}
	out := append([]string(nil), ws...)
	out[len(out)-1] = singular(out[len(out)-1])
	return strings.Join(out, "")
}

// resolveNames gives methods whose derived names collide a name built
// from their whole operationId, which the spec guarantees unique.
func resolveNames(ms []*method) {
	count := map[string]int{}
	for _, mt := range ms {
		count[mt.Name]++
		if mt.AllName != "" {
			count[mt.AllName]++
		}
	}
	for _, mt := range ms {
		if count[mt.Name] == 1 && (mt.AllName == "" || count[mt.AllName] == 1) {
			continue
		}
		// Two operations on one route, addressed by id and by a textual
		// identifier (system/members/{id} and {memberIdentifier}).
		if n := len(mt.Args); n > 0 && mt.Args[n-1].String && strings.HasSuffix(mt.Wire, "}") {
			by := "By" + exported(mt.Args[n-1].Spec)
			if count[mt.Name+by] == 0 {
				mt.Name += by
				if mt.AllName != "" {
					mt.AllName += by
				}
				continue
			}
		}
		id := exported(mt.ID)
		switch mt.Kind {
		case kList:
			mt.Name = "List" + strings.TrimPrefix(id, "Get")
			mt.AllName = "All" + strings.TrimPrefix(id, "Get")
		default:
			mt.Name = id
		}
	}
}
