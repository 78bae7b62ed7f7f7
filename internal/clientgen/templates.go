package main

import (
	_ "embed"
	"text/template"
)

// The templates are files of their own, so that they read as the Go they
// produce rather than as a Go string holding a second copy of it.
var (
	//go:embed client.tmpl
	clientSource   string
	clientTemplate = template.Must(template.New("client.tmpl").Funcs(funcs).Parse(clientSource))

	//go:embed server.tmpl
	serverSource   string
	serverTemplate = template.Must(template.New("server.tmpl").Funcs(funcs).Parse(serverSource))
)
