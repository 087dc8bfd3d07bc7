package config

import (
	"encoding"
	"fmt"
	"reflect"
	"strings"
	"time"
)

// Field is one setting of a configuration struct.
type Field struct {
	// Key is the dotted TOML path, "node.rpc_url".
	Key    string
	Help   string
	Secret bool
	value  reflect.Value
}

// Env is the environment variable of the field: STRATA_NODE_RPC_URL.
func (f Field) Env() string { return envName(f.Key) }

// Flag is the command-line flag of the field: node.rpc-url.
func (f Field) Flag() string { return strings.ReplaceAll(f.Key, "_", "-") }

// Value is the field's current value, formatted as in a TOML file.
func (f Field) Value() string { return formatValue(f.value) }

func envName(key string) string {
	return "STRATA_" + strings.ToUpper(strings.NewReplacer(".", "_", "-", "_").Replace(key))
}

var (
	durationType      = reflect.TypeFor[time.Duration]()
	textUnmarshalType = reflect.TypeFor[encoding.TextUnmarshaler]()
	textMarshalType   = reflect.TypeFor[encoding.TextMarshaler]()
)

// isLeaf reports whether t is set as one value rather than walked into.
func isLeaf(t reflect.Type) bool {
	if t == durationType || reflect.PointerTo(t).Implements(textUnmarshalType) {
		return true
	}
	switch t.Kind() {
	case reflect.Struct:
		return false
	case reflect.Slice:
		return t.Elem().Kind() != reflect.Struct
	}
	return true
}

// tableSlice reports whether t is a slice of tables ([[name]]).
func tableSlice(t reflect.Type) bool {
	return t.Kind() == reflect.Slice && t.Elem().Kind() == reflect.Struct && !isLeaf(t.Elem())
}

// structField is a tagged field of a struct type.
type structField struct {
	key    string
	help   string
	secret bool
	index  int
	embed  bool
}

func structFields(t reflect.Type) []structField {
	var out []structField
	for i := range t.NumField() {
		sf := t.Field(i)
		key, opts, _ := strings.Cut(sf.Tag.Get("toml"), ",")
		if key == "-" {
			continue
		}
		// An embedded struct adds its keys even when its type is
		// unexported: its exported fields are promoted and settable. A
		// named struct field tagged `toml:",inline"` does the same.
		inline := sf.Type.Kind() == reflect.Struct && key == "" && (sf.Anonymous || opts == "inline")
		if inline && (sf.Anonymous || sf.IsExported()) {
			out = append(out, structField{index: i, embed: true})
			continue
		}
		if !sf.IsExported() {
			continue
		}
		if key == "" {
			panic(fmt.Sprintf("config: field %s.%s has no toml tag", t, sf.Name))
		}
		out = append(out, structField{key: key, help: sf.Tag.Get("help"), secret: sf.Tag.Get("secret") == "true", index: i})
	}
	return out
}

// Fields lists the settings of the struct cfg points to, in declaration
// order. Arrays of tables contribute the fields of every element present.
func Fields(cfg any) []Field {
	v := reflect.ValueOf(cfg)
	if v.Kind() != reflect.Pointer || v.Elem().Kind() != reflect.Struct {
		panic("config: Fields needs a pointer to a struct")
	}
	var out []Field
	walk(v.Elem(), "", func(f Field) { out = append(out, f) })
	return out
}

func walk(v reflect.Value, prefix string, visit func(Field)) {
	for _, sf := range structFields(v.Type()) {
		fv := v.Field(sf.index)
		switch {
		case sf.embed:
			walk(fv, prefix, visit)
		case isLeaf(fv.Type()):
			visit(Field{Key: prefix + sf.key, Help: sf.help, Secret: sf.secret, value: fv})
		case tableSlice(fv.Type()):
			for i := range fv.Len() {
				walk(fv.Index(i), elemPrefix(prefix+sf.key, i), visit)
			}
		default:
			walk(fv, prefix+sf.key+".", visit)
		}
	}
}

// elemPrefix names element i of an array of tables: "node." for the first,
// "node.1." for the second.
func elemPrefix(key string, i int) string {
	if i == 0 {
		return key + "."
	}
	return fmt.Sprintf("%s.%d.", key, i)
}
