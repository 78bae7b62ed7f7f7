package connectwise

import (
	"context"
	"iter"
)

// SecurityRolesService reads security roles and their per-function settings.
type SecurityRolesService service

// SecurityRole is a PSA security role.
type SecurityRole struct {
	ID       int    `json:"id,omitempty"`
	Name     string `json:"name,omitempty"`
	RoleType string `json:"roleType,omitempty"`
	Info     *Info  `json:"_info,omitempty"`
}

// SecurityRoleSetting is one module function's levels in a role.
type SecurityRoleSetting struct {
	ID                       int    `json:"id,omitempty"`
	ModuleIdentifier         string `json:"moduleIdentifier,omitempty"`
	ModuleName               string `json:"moduleName,omitempty"`
	ModuleFunctionIdentifier string `json:"moduleFunctionIdentifier,omitempty"`
	ModuleFunctionName       string `json:"moduleFunctionName,omitempty"`
	AddLevel                 Level  `json:"addLevel,omitempty"`
	EditLevel                Level  `json:"editLevel,omitempty"`
	DeleteLevel              Level  `json:"deleteLevel,omitempty"`
	InquireLevel             Level  `json:"inquireLevel,omitempty"`
}

// List returns one page of security roles.
func (s *SecurityRolesService) List(ctx context.Context, opts *ListOptions) ([]SecurityRole, *Response, error) {
	return list[SecurityRole](ctx, s.client, "system/securityroles", false, opts)
}

// All walks every security role lazily.
func (s *SecurityRolesService) All(ctx context.Context, opts *ListOptions) iter.Seq2[SecurityRole, error] {
	return all[SecurityRole](ctx, s.client, "system/securityroles", false, opts)
}

// Get returns one security role.
func (s *SecurityRolesService) Get(ctx context.Context, id int) (*SecurityRole, *Response, error) {
	return get[SecurityRole](ctx, s.client, idPath("system/securityroles", id))
}

// ListSettings returns one page of a role's settings.
func (s *SecurityRolesService) ListSettings(ctx context.Context, roleID int, opts *ListOptions) ([]SecurityRoleSetting, *Response, error) {
	return list[SecurityRoleSetting](ctx, s.client, idPath("system/securityroles", roleID, "settings"), false, opts)
}

// AllSettings walks every setting of a role lazily.
func (s *SecurityRolesService) AllSettings(ctx context.Context, roleID int, opts *ListOptions) iter.Seq2[SecurityRoleSetting, error] {
	return all[SecurityRoleSetting](ctx, s.client, idPath("system/securityroles", roleID, "settings"), false, opts)
}
