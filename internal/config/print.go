package config

import (
	"fmt"
	"io"
	"reflect"
)

// Redacted replaces a secret's value in printed output.
const Redacted = "<redacted>"

// Print writes the configuration as a TOML file, each key with its help and
// its environment variable as a comment, secrets redacted. A file printed
// without secrets loads back to the same configuration.
func Print(w io.Writer, cfg any) error {
	p := &printer{w: w}
	p.table(reflect.ValueOf(cfg).Elem(), "", "")
	return p.err
}

type printer struct {
	w   io.Writer
	err error
}

func (p *printer) printf(format string, args ...any) {
	if p.err == nil {
		_, p.err = fmt.Fprintf(p.w, format, args...)
	}
}

// table prints the leaves of v first, then its tables, then its arrays of
// tables, as TOML requires.
func (p *printer) table(v reflect.Value, prefix, keyPrefix string) {
	fields := flatFields(v)
	for _, f := range fields {
		if !isLeaf(f.v.Type()) {
			continue
		}
		if f.help != "" {
			p.printf("# %s [%s]\n", f.help, envName(keyPrefix+f.key))
		}
		val := formatValue(f.v)
		if f.secret && !f.v.IsZero() {
			val = quote(Redacted)
		}
		p.printf("%s = %s\n", f.key, val)
	}
	for _, f := range fields {
		if isLeaf(f.v.Type()) || tableSlice(f.v.Type()) {
			continue
		}
		p.printf("\n[%s%s]\n", prefix, f.key)
		p.table(f.v, prefix+f.key+".", keyPrefix+f.key+".")
	}
	for _, f := range fields {
		if !tableSlice(f.v.Type()) {
			continue
		}
		for i := range f.v.Len() {
			p.printf("\n[[%s%s]]\n", prefix, f.key)
			p.table(f.v.Index(i), prefix+f.key+".", elemPrefix(keyPrefix+f.key, i))
		}
	}
}

type flatField struct {
	key    string
	help   string
	secret bool
	v      reflect.Value
}

// flatFields lists the fields of v with embedded structs flattened.
func flatFields(v reflect.Value) []flatField {
	var out []flatField
	for _, sf := range structFields(v.Type()) {
		if sf.embed {
			out = append(out, flatFields(v.Field(sf.index))...)
			continue
		}
		out = append(out, flatField{key: sf.key, help: sf.help, secret: sf.secret, v: v.Field(sf.index)})
	}
	return out
}
