// Package kb holds ceping's platform knowledge as data: third-party SDK
// signatures (class prefixes, native libraries, assets, endpoint domains,
// iOS frameworks), PI-related Android permissions, privacy-sensitive APIs,
// packers (加固) and iOS usage-description keys.
//
// The data lives in YAML files embedded in the binary (sdks/*.yaml,
// permissions.yaml, apis.yaml, packers.yaml, ios_usage.yaml). They are
// decoded strictly (unknown fields are errors) and validated when first
// used; tests keep them valid, so the accessors panic only if a bad file
// was committed. Load validates an alternative file set and returns the
// error instead, naming the file and the entry.
//
// See docs/kb.md for how to add entries.
package kb

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"sort"
	"strings"
	"sync"

	"gopkg.in/yaml.v3"
)

// SDK is one third-party SDK (or one module of an SDK family).
type SDK struct {
	ID       string `yaml:"id"`
	Name     string `yaml:"name"`
	Company  string `yaml:"company"`
	Category string `yaml:"category"`
	// PITypes is the personal information the SDK typically collects
	// (keys of PITypeNames).
	PITypes []string `yaml:"pi_types"`
	// ClassPrefixes are dotted Java package prefixes ending in "."
	// ("com.umeng.analytics.") or exact class names ("com.stub.StubApp",
	// which also covers nested classes).
	ClassPrefixes []string `yaml:"classes"`
	// NativeLibs are file names or globs ("libjcore*.so").
	NativeLibs []string `yaml:"libs"`
	// Assets are paths or globs inside the package ("assets/umeng_*");
	// a path ending in "/" is a directory and covers everything below it.
	Assets []string `yaml:"assets"`
	// Domains are registrable domains or host suffixes the SDK talks to;
	// they match on label boundaries.
	Domains []string `yaml:"domains"`
	// Frameworks are iOS framework names ("UMCommon.framework").
	Frameworks []string `yaml:"frameworks"`
	// Permissions are Android permissions the SDK typically needs.
	Permissions []string `yaml:"permissions"`
	// Note is free text (what the module is, caveats).
	Note    string  `yaml:"note"`
	Samples Samples `yaml:"samples"`
}

// Samples are test inputs for an SDK's signatures, each "kind:value" with
// kind one of class, lib, asset, host, framework. Positive samples must be
// attributed to the SDK; negative ones (near misses) must not.
type Samples struct {
	Positive []string `yaml:"positive"`
	Negative []string `yaml:"negative"`
}

// Permission is a PI-related Android permission.
type Permission struct {
	Name       string   `yaml:"name"`
	PITypes    []string `yaml:"pi_types"`
	Sensitive  bool     `yaml:"sensitive"`
	Protection string   `yaml:"protection"` // normal, dangerous, signature, special, appop
	Group      string   `yaml:"group"`
	Note       string   `yaml:"note"`
}

// API is a privacy-sensitive Android API: a method (Kind "invoke"), a
// static field (Kind "field") or a string constant such as a content URI
// (Kind "string", Name holds the string, Class is empty).
type API struct {
	Class     string `yaml:"class"` // Dalvik descriptor, e.g. "Landroid/telephony/TelephonyManager;"
	Name      string `yaml:"name"`
	Kind      string `yaml:"kind"`
	PIType    string `yaml:"pi_type"`
	Sensitive bool   `yaml:"sensitive"`
	Note      string `yaml:"note"`
}

// Packer is an app hardening/packing product (加固).
type Packer struct {
	Name       string   `yaml:"name"`
	Company    string   `yaml:"company"`
	Classes    []string `yaml:"classes"` // dotted prefixes ending in "." or exact class names
	NativeLibs []string `yaml:"libs"`    // file names or globs
	Assets     []string `yaml:"assets"`  // paths or globs in the package
	Note       string   `yaml:"note"`
}

// UsageKey is an iOS Info.plist purpose-string key.
type UsageKey struct {
	Key       string   `yaml:"key"`
	PITypes   []string `yaml:"pi_types"`
	Sensitive bool     `yaml:"sensitive"`
	Note      string   `yaml:"note"`
}

// Categories are the SDK categories, with their Chinese names.
var Categories = map[string]string{
	"push":             "推送",
	"analytics":        "统计分析",
	"ads":              "广告",
	"map":              "地图定位",
	"payment":          "支付",
	"login-share":      "登录分享",
	"crash":            "崩溃监测",
	"one-tap-login":    "一键登录",
	"customer-service": "客服",
	"risk-control":     "风控",
	"im":               "即时通讯",
	"live-video":       "音视频直播",
	"security":         "安全",
	"attribution":      "归因",
	"social":           "社交",
	"cloud":            "云服务",
	"ocr-face":         "OCR与人脸识别",
	"other":            "其他",
}

// KB is one loaded and validated knowledge base.
type KB struct {
	SDKs        []SDK
	Permissions []Permission
	APIs        []API
	Packers     []Packer
	UsageKeys   []UsageKey

	index *SDKIndex
	perms map[string]int
	apis  map[string]int // kind + " " + class + "->" + name
	usage map[string]int
}

//go:embed sdks/*.yaml permissions.yaml apis.yaml packers.yaml ios_usage.yaml
var embedded embed.FS

var (
	loadOnce sync.Once
	builtin  *KB
	loadErr  error
)

// Builtin returns the embedded knowledge base, or the error that makes it
// invalid.
func Builtin() (*KB, error) {
	loadOnce.Do(func() { builtin, loadErr = Load(embedded) })
	return builtin, loadErr
}

func mustBuiltin() *KB {
	k, err := Builtin()
	if err != nil {
		panic("kb: embedded data is invalid: " + err.Error())
	}
	return k
}

// SDKs returns every known SDK (a shared slice: do not modify).
func SDKs() []SDK { return mustBuiltin().SDKs }

// Index returns the SDK index of the embedded data (built once).
func Index() *SDKIndex { return mustBuiltin().index }

// Permissions returns every known PI-related permission.
func Permissions() []Permission { return mustBuiltin().Permissions }

// LookupPermission finds a permission by its full name; a bare name
// ("CAMERA") is looked up as android.permission.<name>.
func LookupPermission(name string) (Permission, bool) { return mustBuiltin().LookupPermission(name) }

// APIs returns every sensitive API entry.
func APIs() []API { return mustBuiltin().APIs }

// LookupInvoke finds a sensitive method by class descriptor and method name.
func LookupInvoke(classDesc, name string) (API, bool) {
	return mustBuiltin().lookupAPI("invoke", classDesc, name)
}

// LookupField finds a sensitive static field by class descriptor and name.
func LookupField(classDesc, name string) (API, bool) {
	return mustBuiltin().lookupAPI("field", classDesc, name)
}

// StringSignatures returns the string constants (content URIs, setting
// names) whose presence in code signals PI access.
func StringSignatures() []API {
	var out []API
	for _, a := range mustBuiltin().APIs {
		if a.Kind == "string" {
			out = append(out, a)
		}
	}
	return out
}

// Packers returns the known packers (加固).
func Packers() []Packer { return mustBuiltin().Packers }

// UsageKeys returns the known iOS usage-description keys.
func UsageKeys() []UsageKey { return mustBuiltin().UsageKeys }

// LookupUsageKey finds an iOS usage-description key.
func LookupUsageKey(key string) (UsageKey, bool) {
	k := mustBuiltin()
	if i, ok := k.usage[key]; ok {
		return k.UsageKeys[i], true
	}
	return UsageKey{}, false
}

// LookupPermission finds a permission in k.
func (k *KB) LookupPermission(name string) (Permission, bool) {
	name = strings.TrimSpace(name)
	if i, ok := k.perms[name]; ok {
		return k.Permissions[i], true
	}
	if !strings.Contains(name, ".") {
		if i, ok := k.perms["android.permission."+name]; ok {
			return k.Permissions[i], true
		}
	}
	return Permission{}, false
}

// Index returns k's SDK index.
func (k *KB) Index() *SDKIndex { return k.index }

func (k *KB) lookupAPI(kind, classDesc, name string) (API, bool) {
	if i, ok := k.apis[apiKey(kind, NormalizeDescriptor(classDesc), name)]; ok {
		return k.APIs[i], true
	}
	return API{}, false
}

func apiKey(kind, class, name string) string { return kind + " " + class + "->" + name }

// NormalizeDescriptor turns a dotted class name ("android.telephony.
// TelephonyManager") into a Dalvik descriptor; descriptors pass unchanged.
func NormalizeDescriptor(s string) string {
	if strings.HasPrefix(s, "L") && strings.HasSuffix(s, ";") {
		return s
	}
	if s == "" {
		return s
	}
	return "L" + strings.ReplaceAll(s, ".", "/") + ";"
}

// Load reads and validates a knowledge base from fsys, which must hold the
// same files as the embedded set: sdks/*.yaml, permissions.yaml, apis.yaml,
// packers.yaml and ios_usage.yaml. Errors name the file and the entry.
func Load(fsys fs.FS) (*KB, error) {
	k := &KB{}
	files, err := fs.Glob(fsys, "sdks/*.yaml")
	if err != nil {
		return nil, err
	}
	if len(files) == 0 {
		return nil, errors.New("kb: no sdks/*.yaml files")
	}
	sort.Strings(files)
	for _, f := range files {
		data, err := fs.ReadFile(fsys, f)
		if err != nil {
			return nil, fmt.Errorf("kb: %w", err)
		}
		sdks, err := ParseSDKs(f, data)
		if err != nil {
			return nil, err
		}
		k.SDKs = append(k.SDKs, sdks...)
	}
	read := func(name string, parse func(string, []byte) error) error {
		data, err := fs.ReadFile(fsys, name)
		if err != nil {
			return fmt.Errorf("kb: %w", err)
		}
		return parse(name, data)
	}
	if err := read("permissions.yaml", func(n string, d []byte) (err error) {
		k.Permissions, err = ParsePermissions(n, d)
		return err
	}); err != nil {
		return nil, err
	}
	if err := read("apis.yaml", func(n string, d []byte) (err error) {
		k.APIs, err = ParseAPIs(n, d)
		return err
	}); err != nil {
		return nil, err
	}
	if err := read("packers.yaml", func(n string, d []byte) (err error) {
		k.Packers, err = ParsePackers(n, d)
		return err
	}); err != nil {
		return nil, err
	}
	if err := read("ios_usage.yaml", func(n string, d []byte) (err error) {
		k.UsageKeys, err = ParseUsageKeys(n, d)
		return err
	}); err != nil {
		return nil, err
	}
	if k.index, err = NewIndex(k.SDKs); err != nil {
		return nil, err
	}
	k.perms = map[string]int{}
	for i, p := range k.Permissions {
		if _, dup := k.perms[p.Name]; dup {
			return nil, fmt.Errorf("kb: permissions.yaml: permission %q listed twice", p.Name)
		}
		k.perms[p.Name] = i
	}
	k.apis = map[string]int{}
	for i, a := range k.APIs {
		key := apiKey(a.Kind, a.Class, a.Name)
		if _, dup := k.apis[key]; dup {
			return nil, fmt.Errorf("kb: apis.yaml: %s %s->%s listed twice", a.Kind, a.Class, a.Name)
		}
		k.apis[key] = i
	}
	k.usage = map[string]int{}
	for i, u := range k.UsageKeys {
		if _, dup := k.usage[u.Key]; dup {
			return nil, fmt.Errorf("kb: ios_usage.yaml: key %q listed twice", u.Key)
		}
		k.usage[u.Key] = i
	}
	return k, nil
}

// decodeList strictly decodes a YAML sequence of T from data.
func decodeList[T any](file string, data []byte) ([]T, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	var out []T
	if err := dec.Decode(&out); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, nil
		}
		return nil, fmt.Errorf("kb: %s: %w", file, err)
	}
	var extra any
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("kb: %s: more than one YAML document", file)
	}
	return out, nil
}

// ParseSDKs decodes and validates one SDK file; file names it in errors.
func ParseSDKs(file string, data []byte) ([]SDK, error) {
	sdks, err := decodeList[SDK](file, data)
	if err != nil {
		return nil, err
	}
	for i := range sdks {
		if err := validateSDK(&sdks[i]); err != nil {
			return nil, fmt.Errorf("kb: %s: entry %d (id %q): %w", file, i+1, sdks[i].ID, err)
		}
	}
	return sdks, nil
}

// ParsePermissions decodes and validates a permissions file.
func ParsePermissions(file string, data []byte) ([]Permission, error) {
	ps, err := decodeList[Permission](file, data)
	if err != nil {
		return nil, err
	}
	for i, p := range ps {
		if err := validatePermission(p); err != nil {
			return nil, fmt.Errorf("kb: %s: entry %d (%q): %w", file, i+1, p.Name, err)
		}
	}
	return ps, nil
}

// ParseAPIs decodes and validates an APIs file.
func ParseAPIs(file string, data []byte) ([]API, error) {
	as, err := decodeList[API](file, data)
	if err != nil {
		return nil, err
	}
	for i, a := range as {
		if err := validateAPI(a); err != nil {
			return nil, fmt.Errorf("kb: %s: entry %d (%s->%s): %w", file, i+1, a.Class, a.Name, err)
		}
	}
	return as, nil
}

// ParsePackers decodes and validates a packers file.
func ParsePackers(file string, data []byte) ([]Packer, error) {
	ps, err := decodeList[Packer](file, data)
	if err != nil {
		return nil, err
	}
	seen := map[string]bool{}
	for i, p := range ps {
		err := validatePacker(p)
		if err == nil && seen[p.Name] {
			err = errors.New("name listed twice")
		}
		if err != nil {
			return nil, fmt.Errorf("kb: %s: entry %d (%q): %w", file, i+1, p.Name, err)
		}
		seen[p.Name] = true
	}
	return ps, nil
}

// ParseUsageKeys decodes and validates an iOS usage-key file.
func ParseUsageKeys(file string, data []byte) ([]UsageKey, error) {
	us, err := decodeList[UsageKey](file, data)
	if err != nil {
		return nil, err
	}
	for i, u := range us {
		if err := validateUsageKey(u); err != nil {
			return nil, fmt.Errorf("kb: %s: entry %d (%q): %w", file, i+1, u.Key, err)
		}
	}
	return us, nil
}

// globOK reports whether pattern is a valid path.Match pattern.
func globOK(pattern string) bool {
	_, err := path.Match(pattern, "")
	return err == nil
}
