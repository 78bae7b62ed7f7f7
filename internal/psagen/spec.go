package main

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"os"
	"slices"
	"sort"
	"strings"
)

// The subset of OpenAPI 3.0 the PSA spec uses.

type spec struct {
	Paths      map[string]map[string]*operation `json:"paths"`
	Components struct {
		Schemas map[string]*schema `json:"schemas"`
	} `json:"components"`
}

type operation struct {
	OperationID string       `json:"operationId"`
	Parameters  []*parameter `json:"parameters"`
	RequestBody *struct {
		Content map[string]struct {
			Schema *schema `json:"schema"`
		} `json:"content"`
	} `json:"requestBody"`
	Responses map[string]struct {
		Content map[string]struct {
			Schema *schema `json:"schema"`
		} `json:"content"`
	} `json:"responses"`
}

type parameter struct {
	Name     string  `json:"name"`
	In       string  `json:"in"`
	Required bool    `json:"required"`
	Schema   *schema `json:"schema"`
}

type schema struct {
	Ref                  string          `json:"$ref"`
	Type                 string          `json:"type"`
	Format               string          `json:"format"`
	Enum                 []string        `json:"enum"`
	Nullable             bool            `json:"nullable"`
	Description          string          `json:"description"`
	MaxLength            int             `json:"maxLength"`
	Required             []string        `json:"required"`
	Properties           props           `json:"properties"`
	Items                *schema         `json:"items"`
	AdditionalProperties json.RawMessage `json:"additionalProperties"`
	AllOf                []*schema       `json:"allOf"`
	RequiredOnUpdates    bool            `json:"x-required-on-updates"`
	PostOnly             bool            `json:"x-post-only"`
}

// props keeps the spec's property order, which is the PSA's own field
// order (id first), so generated structs read like the PSA's objects.
type props struct {
	Keys []string
	M    map[string]*schema
}

func (p *props) UnmarshalJSON(b []byte) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	if _, err := dec.Token(); err != nil {
		return err
	}
	p.M = map[string]*schema{}
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return err
		}
		k := t.(string)
		var s schema
		if err := dec.Decode(&s); err != nil {
			return fmt.Errorf("property %s: %w", k, err)
		}
		if _, dup := p.M[k]; !dup {
			p.Keys = append(p.Keys, k)
		}
		p.M[k] = &s
	}
	return nil
}

func (s *schema) refName() string {
	if s == nil {
		return ""
	}
	return strings.TrimPrefix(s.Ref, "#/components/schemas/")
}

// additional returns the schema of additionalProperties, or nil.
func (s *schema) additional() *schema {
	if len(s.AdditionalProperties) == 0 {
		return nil
	}
	var a schema
	if json.Unmarshal(s.AdditionalProperties, &a) != nil {
		return &schema{}
	}
	return &a
}

// flatten merges allOf parts (one schema in the spec uses it).
func (s *schema) flatten() *schema {
	if len(s.AllOf) == 0 {
		return s
	}
	out := &schema{Type: "object", Properties: props{M: map[string]*schema{}}}
	for _, part := range s.AllOf {
		part = part.flatten()
		for _, k := range part.Properties.Keys {
			if _, dup := out.Properties.M[k]; !dup {
				out.Properties.Keys = append(out.Properties.Keys, k)
			}
			out.Properties.M[k] = part.Properties.M[k]
		}
		out.Required = append(out.Required, part.Required...)
	}
	return out
}

func loadSpec(path string) (*spec, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	b, err := io.ReadAll(zr)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	var s spec
	if err := json.Unmarshal(b, &s); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return &s, nil
}

var verbOrder = map[string]int{"get": 0, "post": 1, "put": 2, "patch": 3, "delete": 4}

// op is one operation with what the generators need resolved.
type op struct {
	Verb    string // "get"
	Path    string // as in the spec, "/company/contacts/{id}"
	Wire    string // repaired template, "/system/members/{memberIdentifier}"
	Area    string
	ID      string
	Op      *operation
	Status  int
	Resp    *schema // success response schema (nil: none)
	Body    *schema // request body schema (nil: none)
	Params  []*parameter
	Queries []*parameter // operation-specific query parameters
}

// sortedOps lists every operation in path then verb order.
func (s *spec) sortedOps() []*op {
	var out []*op
	for _, p := range slices.Sorted(maps.Keys(s.Paths)) {
		verbs := make([]string, 0, len(s.Paths[p]))
		for v := range s.Paths[p] {
			verbs = append(verbs, v)
		}
		sort.Slice(verbs, func(i, j int) bool { return verbOrder[verbs[i]] < verbOrder[verbs[j]] })
		for _, v := range verbs {
			o := s.Paths[p][v]
			x := &op{Verb: v, Path: p, Wire: repairPath(p), Area: strings.Split(strings.Trim(p, "/"), "/")[0], ID: o.OperationID, Op: o}
			for _, c := range slices.Sorted(maps.Keys(o.Responses)) {
				var n int
				fmt.Sscanf(c, "%d", &n)
				if n == 0 {
					continue
				}
				x.Status = n
				if ct, ok := o.Responses[c].Content["application/json"]; ok {
					x.Resp = ct.Schema
				}
				break
			}
			if o.RequestBody != nil {
				if ct, ok := o.RequestBody.Content["application/json"]; ok {
					x.Body = ct.Schema
				}
			}
			inPath := map[string]bool{}
			for _, seg := range strings.Split(x.Wire, "/") {
				if strings.HasPrefix(seg, "{") {
					inPath[strings.Trim(seg, "{}")] = true
				}
			}
			for _, prm := range o.Parameters {
				switch {
				case prm.In == "path" && inPath[prm.Name]:
					x.Params = append(x.Params, prm)
				case prm.In == "query" && listParams[prm.Name]:
				default:
					// Operation-specific query parameters, and the path
					// parameters the spec declares but the path does not
					// carry (ConnectWise's own spec errors, listed by
					// connectwise-rest): the PSA reads both from the
					// query string.
					x.Queries = append(x.Queries, prm)
				}
			}
			out = append(out, x)
		}
	}
	return out
}

// listParams are the query parameters the spec lists on every GET; they
// are connectwise.ListOptions.
var listParams = map[string]bool{
	"conditions": true, "childConditions": true, "customFieldConditions": true,
	"orderBy": true, "fields": true, "page": true, "pageSize": true, "pageId": true,
}

// repairPath fixes the two paths the TypeScript extraction truncated
// ("/system/members/{memberIdentifier:regex(^(types. |(").
func repairPath(p string) string {
	if i := strings.Index(p, ":regex("); i >= 0 {
		return p[:i] + "}"
	}
	return p
}
