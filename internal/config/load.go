package config

import (
	"errors"
	"flag"
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"github.com/BurntSushi/toml"
)

// Defaulter is implemented by the element type of an array of tables: a
// new element (from the file, the environment or a flag) starts from its
// defaults.
type Defaulter interface{ SetDefaults() }

// Validator is implemented by configuration structs. Its errors should name
// the key at fault; KeyError helps.
type Validator interface{ Validate() error }

// KeyError is a problem with the value of one key.
type KeyError struct {
	Key    string
	Source string // where the value came from: a file, a variable, a flag
	Err    error
}

func (e *KeyError) Error() string {
	if e.Source == "" {
		return fmt.Sprintf("config: %s: %v", e.Key, e.Err)
	}
	return fmt.Sprintf("config: %s: %v (from %s)", e.Key, e.Err, e.Source)
}

func (e *KeyError) Unwrap() error { return e.Err }

// Errorf is a Validate helper: a KeyError for key.
func Errorf(key, format string, args ...any) error {
	return &KeyError{Key: key, Err: fmt.Errorf(format, args...)}
}

// Source says where settings come from, besides the defaults.
type Source struct {
	// File is a TOML file; empty for none.
	File string
	// Env holds "NAME=value" entries, as os.Environ returns them.
	Env []string
	// IgnoreEnv lists STRATA_* variables that are not settings (such as
	// the one naming the file), so they are not reported as unknown.
	IgnoreEnv []string
	// Flags are the settings given on the command line, from Bind.
	Flags *Flags
}

// Load applies src to the struct cfg points to, which holds its defaults,
// then validates it. Unknown STRATA_* variables are returned as warnings:
// they may belong to another component sharing the environment.
func Load(cfg any, src Source) (warnings []string, err error) {
	if warnings, err = Apply(cfg, src); err != nil {
		return warnings, err
	}
	if v, ok := cfg.(Validator); ok {
		if err := v.Validate(); err != nil {
			return warnings, err
		}
	}
	return warnings, nil
}

// Apply is Load without the validation, for callers that want to see (or
// print) a configuration before judging it.
func Apply(cfg any, src Source) (warnings []string, err error) {
	root := reflect.ValueOf(cfg)
	if root.Kind() != reflect.Pointer || root.Elem().Kind() != reflect.Struct {
		panic("config: Load needs a pointer to a struct")
	}
	root = root.Elem()
	if src.File != "" {
		var m map[string]any
		if _, err := toml.DecodeFile(src.File, &m); err != nil {
			return nil, fmt.Errorf("config: %s: %w", src.File, err)
		}
		if err := applyTable(root, "", m, src.File); err != nil {
			return nil, err
		}
	}
	known := envIndex(root.Type())
	for _, kv := range src.Env {
		name, value, _ := strings.Cut(kv, "=")
		if !strings.HasPrefix(name, "STRATA_") || slices.Contains(src.IgnoreEnv, name) {
			continue
		}
		key, ok := known.lookup(name)
		if !ok {
			warnings = append(warnings, fmt.Sprintf("unknown setting %s in the environment: ignored", name))
			continue
		}
		if err := set(root, key, value, name); err != nil {
			return warnings, err
		}
	}
	if src.Flags != nil {
		for _, f := range src.Flags.given {
			if err := set(root, f.key, f.value, "--"+f.flag); err != nil {
				return warnings, err
			}
		}
	}
	return warnings, nil
}

// applyTable sets every key of a decoded TOML table.
func applyTable(v reflect.Value, prefix string, m map[string]any, source string) error {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		fv, ok := fieldByKey(v, k)
		key := prefix + k
		if !ok {
			return &KeyError{Key: key, Source: source, Err: errors.New("unknown key")}
		}
		raw := m[k]
		switch {
		case isLeaf(fv.Type()):
			if err := setValue(fv, raw); err != nil {
				return &KeyError{Key: key, Source: source, Err: err}
			}
		case tableSlice(fv.Type()):
			tables, ok := raw.([]map[string]any)
			if !ok {
				return &KeyError{Key: key, Source: source, Err: fmt.Errorf("want an array of tables ([[%s]]), got %s", key, describe(raw))}
			}
			out := reflect.MakeSlice(fv.Type(), len(tables), len(tables))
			for i, t := range tables {
				setDefaults(out.Index(i))
				if err := applyTable(out.Index(i), elemPrefix(key, i), t, source); err != nil {
					return err
				}
			}
			fv.Set(out)
		default:
			table, ok := raw.(map[string]any)
			if !ok {
				return &KeyError{Key: key, Source: source, Err: fmt.Errorf("want a table ([%s]), got %s", key, describe(raw))}
			}
			if err := applyTable(fv, key+".", table, source); err != nil {
				return err
			}
		}
	}
	return nil
}

// fieldByKey finds the field of struct v with TOML key k, looking through
// embedded structs.
func fieldByKey(v reflect.Value, k string) (reflect.Value, bool) {
	for _, sf := range structFields(v.Type()) {
		if sf.embed {
			if fv, ok := fieldByKey(v.Field(sf.index), k); ok {
				return fv, true
			}
			continue
		}
		if sf.key == k {
			return v.Field(sf.index), true
		}
	}
	return reflect.Value{}, false
}

func setDefaults(v reflect.Value) {
	if d, ok := v.Addr().Interface().(Defaulter); ok {
		d.SetDefaults()
	}
}

// set stores a string value at a dotted key; an array of tables grows
// (from its defaults) to hold the element a key names.
func set(root reflect.Value, key, value, source string) error {
	v := root
	parts := strings.Split(key, ".")
	for i := 0; i < len(parts); i++ {
		fv, ok := fieldByKey(v, parts[i])
		if !ok {
			return &KeyError{Key: key, Source: source, Err: errors.New("unknown key")}
		}
		if tableSlice(fv.Type()) {
			idx := 0
			if i+1 < len(parts) {
				if n, err := strconv.Atoi(parts[i+1]); err == nil {
					idx = n
					i++
				}
			}
			if idx < 0 || idx > fv.Len() {
				return &KeyError{Key: key, Source: source, Err: fmt.Errorf("element %d of %s does not exist and cannot be added after element %d", idx, parts[i], fv.Len()-1)}
			}
			if idx == fv.Len() {
				fv.Set(reflect.Append(fv, reflect.New(fv.Type().Elem()).Elem()))
				setDefaults(fv.Index(idx))
			}
			v = fv.Index(idx)
			continue
		}
		v = fv
	}
	if !isLeaf(v.Type()) {
		return &KeyError{Key: key, Source: source, Err: errors.New("is a table, not a value")}
	}
	if err := setValue(v, value); err != nil {
		return &KeyError{Key: key, Source: source, Err: err}
	}
	return nil
}

// keyInfo describes a settable key of a type: arrays of tables appear once,
// as their first element.
type keyInfo struct {
	key    string
	help   string
	secret bool
	isBool bool
	// table is the array-of-tables prefix ("node") for element keys.
	table string
}

func typeKeys(t reflect.Type, prefix, table string, out *[]keyInfo) {
	for _, sf := range structFields(t) {
		ft := t.Field(sf.index).Type
		switch {
		case sf.embed:
			typeKeys(ft, prefix, table, out)
		case isLeaf(ft):
			*out = append(*out, keyInfo{key: prefix + sf.key, help: sf.help, secret: sf.secret,
				isBool: ft.Kind() == reflect.Bool, table: table})
		case tableSlice(ft):
			typeKeys(ft.Elem(), prefix+sf.key+".", prefix+sf.key, out)
		default:
			typeKeys(ft, prefix+sf.key+".", table, out)
		}
	}
}

// envTable maps environment variable names to keys.
type envTable struct {
	byName map[string]string
	keys   []keyInfo
}

func envIndex(t reflect.Type) envTable {
	var keys []keyInfo
	typeKeys(t, "", "", &keys)
	e := envTable{byName: map[string]string{}, keys: keys}
	for _, k := range keys {
		e.byName[envName(k.key)] = k.key
	}
	return e
}

// lookup finds the key of a variable, including indexed elements of
// arrays of tables: STRATA_NODE_1_RPC_URL is node.1.rpc_url.
func (e envTable) lookup(name string) (string, bool) {
	if k, ok := e.byName[name]; ok {
		return k, true
	}
	for _, k := range e.keys {
		if k.table == "" {
			continue
		}
		p := envName(k.table) + "_"
		rest, ok := strings.CutPrefix(name, p)
		if !ok {
			continue
		}
		digits, tail, ok := strings.Cut(rest, "_")
		n, err := strconv.Atoi(digits)
		if !ok || err != nil || n < 0 {
			continue
		}
		if envName(k.key) == p+tail {
			return k.table + "." + digits + "." + strings.TrimPrefix(k.key, k.table+"."), true
		}
	}
	return "", false
}

// Flags are the settings given on a command line, recorded while the flag
// set parses and applied by Load after the file and the environment.
type Flags struct {
	given []givenFlag
}

type givenFlag struct{ key, flag, value string }

// Bind adds a flag for every key of the struct cfg points to, whose current
// values are shown as the defaults. aliases adds short names for some keys:
// {"rpc-url": "node.rpc_url"}.
func Bind(fs *flag.FlagSet, cfg any, aliases map[string]string) *Flags {
	root := reflect.ValueOf(cfg).Elem()
	var keys []keyInfo
	typeKeys(root.Type(), "", "", &keys)
	f := &Flags{}
	current := map[string]string{}
	for _, fld := range Fields(cfg) {
		if !fld.Secret {
			current[fld.Key] = fld.Value()
		}
	}
	byKey := map[string]keyInfo{}
	add := func(name string, k keyInfo) {
		usage := k.help
		if d, ok := current[k.key]; ok && d != `""` && d != "[]" && d != "false" {
			usage += " (default " + d + ")"
		}
		usage += " [" + envName(k.key) + "]"
		record := func(s string) error {
			f.given = append(f.given, givenFlag{key: k.key, flag: name, value: s})
			return nil
		}
		if k.isBool {
			fs.BoolFunc(name, usage, record)
		} else {
			fs.Func(name, usage, record)
		}
	}
	for _, k := range keys {
		byKey[k.key] = k
		add(strings.ReplaceAll(k.key, "_", "-"), k)
	}
	names := make([]string, 0, len(aliases))
	for a := range aliases {
		names = append(names, a)
	}
	slices.Sort(names)
	for _, a := range names {
		k, ok := byKey[aliases[a]]
		if !ok {
			panic("config: alias " + a + " for unknown key " + aliases[a])
		}
		add(a, k)
	}
	return f
}
