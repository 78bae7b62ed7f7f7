package main

import (
	"fmt"
	"strings"
)

// pathExpr builds the Go expression of the wire path:
// "company/contacts/" + connectwise.PathID(contactID) + "/notes".
func pathExpr(mt *method) string {
	segs := strings.Split(strings.TrimPrefix(mt.Wire, "/"), "/")
	var parts []string
	var lit strings.Builder
	argByName := map[string]pathArg{}
	for _, a := range mt.Args {
		argByName[a.Spec] = a
	}
	for i, s := range segs {
		if i > 0 {
			lit.WriteString("/")
		}
		if strings.HasPrefix(s, "{") {
			a := argByName[strings.Trim(s, "{}")]
			if lit.Len() > 0 {
				parts = append(parts, fmt.Sprintf("%q", lit.String()))
				lit.Reset()
			}
			if a.String {
				parts = append(parts, "connectwise.PathString("+a.Name+")")
			} else {
				parts = append(parts, "connectwise.PathID("+a.Name+")")
			}
			continue
		}
		lit.WriteString(s)
	}
	if lit.Len() > 0 {
		parts = append(parts, fmt.Sprintf("%q", lit.String()))
	}
	return strings.Join(parts, " + ")
}

func argList(mt *method) string {
	var b strings.Builder
	b.WriteString("ctx context.Context")
	for _, a := range mt.Args {
		t := "int"
		if a.String {
			t = "string"
		}
		fmt.Fprintf(&b, ", %s %s", a.Name, t)
	}
	return b.String()
}

// emitArea writes one area package.
func emitArea(a *area, m *models, specName string) string {
	var w strings.Builder
	fmt.Fprintf(&w, "// Package %s types the %s area of the ConnectWise PSA REST API: every\n", a.Pkg, a.Name)
	fmt.Fprintf(&w, "// operation under /%s/ in the spec (%d operations) as a method of one\n", a.Name, a.Ops)
	w.WriteString("// service per resource. Build the services on a *connectwise.Client with\n// New; every call goes through that client's request layer (rate limit,\n// retry, typed errors). Models are in package cwmodel.\n//\n")
	w.WriteString("// Lists return one page and have an All twin that walks every page lazily;\n// every GET takes *connectwise.ListOptions (conditions, childConditions,\n// customFieldConditions, orderBy, fields, paging) as the spec lists them,\n// of which a single-object GET honours Fields. Parameters the spec adds to\n// one operation come in a ...Params struct. Creates send only the fields\n// set; PUT replaces the whole object; Patch methods take\n// connectwise.PatchOp values.\n//\n")
	w.WriteString("// The API is split by area so that a program pays, in build time and\n// binary size, only for the areas it imports: package connectwise imports\n// none of them.\n")
	fmt.Fprintf(&w, "package %s\n\n", a.Pkg)
	w.WriteString("import (\n\t\"context\"\n\t\"iter\"\n\t\"net/http\"\n\t\"net/url\"\n\n\t\"github.com/psabridge/psabridge/connectwise\"\n\t\"github.com/psabridge/psabridge/connectwise/cwmodel\"\n)\n\n")
	w.WriteString("var (\n\t_ iter.Seq[int]\n\t_ http.Header\n\t_ url.Values\n\t_ cwmodel.RecordInfo\n)\n\n")
	fmt.Fprintf(&w, "// Client holds the services of the %s area.\ntype Client struct {\n", a.Name)
	for _, svc := range a.Services {
		fmt.Fprintf(&w, "\t// %s covers /%s/%s and its sub-resources.\n\t%s *%sService\n", svc, a.Name, a.Methods[svc][0].wireResource(), svc, svc)
	}
	w.WriteString("}\n\n")
	fmt.Fprintf(&w, "// New returns the %s services on c.\nfunc New(c *connectwise.Client) *Client {\n\treturn &Client{\n", a.Name)
	for _, svc := range a.Services {
		fmt.Fprintf(&w, "\t\t%s: &%sService{client: c},\n", svc, svc)
	}
	w.WriteString("\t}\n}\n\n")
	for _, svc := range a.Services {
		fmt.Fprintf(&w, "// %sService covers /%s/%s and its sub-resources.\ntype %sService struct{ client *connectwise.Client }\n\n", svc, a.Name, a.Methods[svc][0].wireResource(), svc)
		for _, mt := range a.Methods[svc] {
			emitMethod(&w, mt)
		}
	}
	return w.String()
}

func (mt *method) wireResource() string {
	return strings.Split(strings.Trim(mt.Wire, "/"), "/")[1]
}

func emitMethod(w *strings.Builder, mt *method) {
	recv := fmt.Sprintf("func (s *%sService) ", mt.Service)
	verb := strings.ToUpper(mt.Verb)
	ref := fmt.Sprintf("%s %s (%s)", verb, mt.Wire, mt.ID)
	ep := "connectwise.Endpoint{Path: " + pathExpr(mt)
	for _, a := range mt.Args {
		// An identifier string in the path would reach observers as part
		// of the route (one metric series per record); name the template.
		if a.String {
			ep += fmt.Sprintf(", Route: %q", mt.Wire)
			break
		}
	}
	if mt.Kind == kList && strings.HasSuffix(strings.TrimSuffix(mt.Wire, "/"), "/tickets") && (mt.Area == "service" || mt.Area == "project") {
		ep += ", Searchable: true"
	}
	switch {
	case mt.Kind == kSend && mt.Verb == "post" && strings.HasPrefix(mt.Name, "Create"):
		ep += ", Check: connectwise.CheckCreate"
	case mt.Kind == kSend && mt.Verb == "put":
		ep += ", Check: connectwise.CheckUpdate"
	}
	ep += "}"
	args := argList(mt)
	params := ""
	setup := "\te := " + ep + "\n"
	if len(mt.Queries) > 0 {
		mt.Params = mt.Service + mt.Name + "Params"
		params = ", params *" + mt.Params
		setup += "\te.Query, e.Err = params.values()\n"
		emitParams(w, mt)
	}
	switch mt.Kind {
	case kList:
		fmt.Fprintf(w, "// %s returns one page of %s: %s.\n", mt.Name, mt.Elem, ref)
		fmt.Fprintf(w, "%s%s(%s%s, opts *connectwise.ListOptions) ([]%s, *connectwise.Response, error) {\n%s\treturn connectwise.ListAt[%s](ctx, s.client, e, opts)\n}\n\n", recv, mt.Name, args, params, mt.Elem, setup, mt.Elem)
		fmt.Fprintf(w, "// %s walks every %s of %s lazily.\n", mt.AllName, mt.Elem, ref)
		fmt.Fprintf(w, "%s%s(%s%s, opts *connectwise.ListOptions) iter.Seq2[%s, error] {\n%s\treturn connectwise.AllAt[%s](ctx, s.client, e, opts)\n}\n\n", recv, mt.AllName, args, params, mt.Elem, setup, mt.Elem)
	case kGet:
		fmt.Fprintf(w, "// %s returns %s: %s.\n", mt.Name, mt.Result, ref)
		fmt.Fprintf(w, "%s%s(%s%s, opts *connectwise.ListOptions) (*%s, *connectwise.Response, error) {\n%s\treturn connectwise.GetAt[%s](ctx, s.client, e, opts)\n}\n\n", recv, mt.Name, args, params, mt.Result, setup, mt.Result)
	case kCount:
		fmt.Fprintf(w, "// %s returns how many items match the conditions of opts: %s.\n", mt.Name, ref)
		fmt.Fprintf(w, "%s%s(%s%s, opts *connectwise.ListOptions) (int, *connectwise.Response, error) {\n%s\treturn connectwise.CountAt(ctx, s.client, e, opts)\n}\n\n", recv, mt.Name, args, params, setup)
	case kDownload:
		fmt.Fprintf(w, "// %s returns the raw bytes (not JSON) of %s.\n", mt.Name, ref)
		fmt.Fprintf(w, "%s%s(%s%s, opts *connectwise.ListOptions) ([]byte, *connectwise.Response, error) {\n%s\treturn connectwise.DownloadAt(ctx, s.client, e, opts)\n}\n\n", recv, mt.Name, args, params, setup)
	case kSearch:
		fmt.Fprintf(w, "// %s posts the conditions of opts as the search body and returns one page of %s: %s.\n", mt.Name, mt.Elem, ref)
		fmt.Fprintf(w, "%s%s(%s%s, opts *connectwise.ListOptions) ([]%s, *connectwise.Response, error) {\n%s\treturn connectwise.SearchAt[%s](ctx, s.client, e, opts)\n}\n\n", recv, mt.Name, args, params, mt.Elem, setup, mt.Elem)
	case kPatch:
		fmt.Fprintf(w, "// %s applies JSON Patch operations and returns the result: %s.\n", mt.Name, ref)
		fmt.Fprintf(w, "%s%s(%s%s, ops ...connectwise.PatchOp) (*%s, *connectwise.Response, error) {\n%s\treturn connectwise.PatchAt[%s](ctx, s.client, e, ops...)\n}\n\n", recv, mt.Name, args, params, mt.Result, setup, mt.Result)
	case kSend:
		body, bodyArg := "nil", ""
		if mt.BodyT != "" {
			body, bodyArg = "body", ", body "+mt.BodyT
		}
		httpVerb := "http.MethodPost"
		if mt.Verb == "put" {
			httpVerb = "http.MethodPut"
		}
		doc := "sends"
		switch {
		case strings.HasPrefix(mt.Name, "Create"):
			doc = "creates; only the fields set in body are sent, so the PSA's defaults apply to the rest. A body missing a field the spec requires, or with a string over its maximum length, fails with *connectwise.BodyError before anything is sent"
		case mt.Verb == "put":
			doc = "replaces the whole object (fields left out are reset by the PSA; prefer the Patch method to change some fields). Required fields, those required on updates and maximum lengths are checked before anything is sent"
		}
		fmt.Fprintf(w, "// %s %s: %s.\n", mt.Name, doc, ref)
		if strings.HasPrefix(mt.Result, "[]") || strings.HasPrefix(mt.Result, "map[") {
			fmt.Fprintf(w, "%s%s(%s%s%s) (%s, *connectwise.Response, error) {\n%s\tv, resp, err := connectwise.SendAt[%s](ctx, s.client, %s, e, %s)\n\tif err != nil {\n\t\treturn nil, resp, err\n\t}\n\treturn *v, resp, nil\n}\n\n", recv, mt.Name, args, bodyArg, params, mt.Result, setup, mt.Result, httpVerb, body)
		} else {
			fmt.Fprintf(w, "%s%s(%s%s%s) (*%s, *connectwise.Response, error) {\n%s\treturn connectwise.SendAt[%s](ctx, s.client, %s, e, %s)\n}\n\n", recv, mt.Name, args, bodyArg, params, mt.Result, setup, mt.Result, httpVerb, body)
		}
	case kDo:
		body, bodyArg := "nil", ""
		if mt.BodyT != "" {
			body, bodyArg = "body", ", body "+mt.BodyT
		}
		httpVerb := map[string]string{"post": "http.MethodPost", "put": "http.MethodPut", "delete": "http.MethodDelete"}[mt.Verb]
		fmt.Fprintf(w, "// %s sends %s; the PSA answers with no body.\n", mt.Name, ref)
		fmt.Fprintf(w, "%s%s(%s%s%s) (*connectwise.Response, error) {\n%s\treturn connectwise.DoAt(ctx, s.client, %s, e, %s)\n}\n\n", recv, mt.Name, args, bodyArg, params, setup, httpVerb, body)
	}
}

// emitParams writes the struct of an operation's own query parameters.
func emitParams(w *strings.Builder, mt *method) {
	fmt.Fprintf(w, "// %s are the query parameters of %s beyond ListOptions;\n// nil fields are not sent.\ntype %s struct {\n", mt.Params, mt.ID, mt.Params)
	for _, q := range mt.Queries {
		t := "*string"
		switch {
		case q.Schema == nil:
		case q.Schema.refName() != "":
			t = "*cwmodel." + exported(q.Schema.refName())
		case q.Schema.Type == "number" || q.Schema.Type == "integer":
			t = "*int"
		case q.Schema.Type == "boolean":
			t = "*bool"
		}
		doc := ""
		if q.Schema != nil && len(q.Schema.Enum) > 0 {
			doc = " One of " + strings.Join(q.Schema.Enum, ", ") + "."
		}
		if q.Schema != nil && q.Schema.refName() != "" {
			doc = " Sent as one query parameter per property."
		}
		fmt.Fprintf(w, "\t// %s is sent as %q.%s\n\t%s %s\n", exported(q.Name), q.Name, doc, exported(q.Name), t)
	}
	w.WriteString("}\n\n")
	fmt.Fprintf(w, "func (p *%s) values() (url.Values, error) {\n\tq := url.Values{}\n\tif p == nil {\n\t\treturn q, nil\n\t}\n", mt.Params)
	for _, q := range mt.Queries {
		fmt.Fprintf(w, "\tif err := connectwise.QueryValue(q, %q, p.%s); err != nil {\n\t\treturn nil, err\n\t}\n", q.Name, exported(q.Name))
	}
	w.WriteString("\treturn q, nil\n}\n\n")
}
