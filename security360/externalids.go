package security360

import (
	"fmt"
	"strconv"
)

// A site's externalIds entries belong to every product integrated with the
// site, and the platform gives each an id, the siteId and a backsynced flag
// (partner API 2.2.8 Site.externalIds; connectwise/WIREFACTS.md N11, §8). What the
// server does when the array is replaced by entries without them is not
// documented: it may re-create other products' mappings under new ids or
// reset their backsynced state. Mapping writes therefore touch only this
// product's entries, with element-level JSON Patch operations, each guarded
// by a "test" that the index still holds that product (a concurrent change
// fails the patch with 409 instead of editing someone else's entry).

func externalIDPath(i int, member string) string {
	p := "/externalIds/" + strconv.Itoa(i)
	if member != "" {
		p += "/" + member
	}
	return p
}

// newEntry is what is sent for a new mapping: the platform assigns id,
// siteId and backsynced.
func newEntry(id ExternalID) ExternalID {
	return ExternalID{ExternalID: id.ExternalID, ProductID: id.ProductID, ProductInstanceID: id.ProductInstanceID}
}

// setOps plans the operations that make cur carry exactly one entry for
// id.ProductID with id's values; nil when it already does. present is
// whether the site body had an externalIds member at all.
func setOps(cur []ExternalID, present bool, id ExternalID) []PatchOp {
	var mine []int
	for i, e := range cur {
		if e.ProductID == id.ProductID {
			mine = append(mine, i)
		}
	}
	if len(mine) == 0 {
		if !present {
			return []PatchOp{{Op: "add", Path: "/externalIds", Value: []ExternalID{newEntry(id)}}}
		}
		return []PatchOp{{Op: "add", Path: "/externalIds/-", Value: newEntry(id)}}
	}
	var ops []PatchOp
	// Duplicates first, from the end, so that the first entry's index
	// stays valid.
	for k := len(mine) - 1; k >= 1; k-- {
		ops = append(ops,
			PatchOp{Op: "test", Path: externalIDPath(mine[k], "productId"), Value: id.ProductID},
			PatchOp{Op: "remove", Path: externalIDPath(mine[k], "")})
	}
	i, e := mine[0], cur[mine[0]]
	var edits []PatchOp
	if e.ExternalID != id.ExternalID {
		edits = append(edits, PatchOp{Op: "replace", Path: externalIDPath(i, "externalId"), Value: id.ExternalID})
	}
	if e.ProductInstanceID != id.ProductInstanceID {
		if id.ProductInstanceID == "" {
			edits = append(edits, PatchOp{Op: "remove", Path: externalIDPath(i, "productInstanceId")})
		} else {
			// "add" sets a member whether or not it exists (RFC 6902 4.1).
			edits = append(edits, PatchOp{Op: "add", Path: externalIDPath(i, "productInstanceId"), Value: id.ProductInstanceID})
		}
	}
	if len(edits) > 0 {
		ops = append(ops, PatchOp{Op: "test", Path: externalIDPath(i, "productId"), Value: id.ProductID})
		ops = append(ops, edits...)
	}
	return ops
}

// removeOps plans the removal of every entry for productID, from the end.
func removeOps(cur []ExternalID, productID string) []PatchOp {
	var ops []PatchOp
	for i := len(cur) - 1; i >= 0; i-- {
		if cur[i].ProductID == productID {
			ops = append(ops,
				PatchOp{Op: "test", Path: externalIDPath(i, "productId"), Value: productID},
				PatchOp{Op: "remove", Path: externalIDPath(i, "")})
		}
	}
	return ops
}

// describeOps is for error messages.
func describeOps(ops []PatchOp) string {
	return fmt.Sprintf("%d JSON Patch operation(s)", len(ops))
}
