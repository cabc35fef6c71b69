// Package seeddata holds the demo guides: about fifty service items written
// from the public procedures of Chinese cities, in the import format.
package seeddata

import _ "embed"

// GuidesJSON is a JSON array of guides with department_name, ready for import.
//
//go:embed guides.json
var GuidesJSON []byte
