package kb

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
)

var (
	idRE         = regexp.MustCompile(`^[a-z0-9][a-z0-9-]*[a-z0-9]$`)
	classRE      = regexp.MustCompile(`^[A-Za-z_$][A-Za-z0-9_$]*(\.[A-Za-z_$][A-Za-z0-9_$]*)*\.?$`)
	descriptorRE = regexp.MustCompile(`^L[A-Za-z_$][A-Za-z0-9_$]*(/[A-Za-z_$][A-Za-z0-9_$-]*)*;$`)
	memberRE     = regexp.MustCompile(`^[A-Za-z_$<][A-Za-z0-9_$>]*$`)
	hostRE       = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$`)
	permRE       = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_]*(\.[A-Za-z0-9_]+)+$`)
	frameworkRE  = regexp.MustCompile(`^[A-Za-z0-9_+-]+\.(framework|xcframework)$`)
	usageKeyRE   = regexp.MustCompile(`^[A-Z][A-Za-z0-9]*UsageDescription(Dictionary)?$`)
)

var protections = map[string]bool{"normal": true, "dangerous": true, "signature": true, "special": true, "appop": true}

var apiKinds = map[string]bool{"invoke": true, "field": true, "string": true}

func checkPITypes(list []string, need bool) error {
	if need && len(list) == 0 {
		return errors.New("pi_types is empty")
	}
	seen := map[string]bool{}
	for _, p := range list {
		if _, ok := PITypeNames[p]; !ok {
			return fmt.Errorf("unknown PI type %q (see PITypeNames)", p)
		}
		if seen[p] {
			return fmt.Errorf("PI type %q listed twice", p)
		}
		seen[p] = true
	}
	return nil
}

func checkList(field string, list []string, ok func(string) bool) error {
	seen := map[string]bool{}
	for _, s := range list {
		if strings.TrimSpace(s) == "" {
			return fmt.Errorf("%s: empty signature", field)
		}
		if s != strings.TrimSpace(s) {
			return fmt.Errorf("%s: %q has surrounding spaces", field, s)
		}
		if !ok(s) {
			return fmt.Errorf("%s: malformed %q", field, s)
		}
		if seen[s] {
			return fmt.Errorf("%s: %q listed twice", field, s)
		}
		seen[s] = true
	}
	return nil
}

func validClassPrefix(s string) bool { return classRE.MatchString(s) && strings.Contains(s, ".") }

func validLib(s string) bool {
	return !strings.Contains(s, "/") && strings.HasPrefix(s, "lib") && strings.HasSuffix(s, ".so") && globOK(s)
}

func validAsset(s string) bool {
	return !strings.HasPrefix(s, "/") && !strings.Contains(s, "..") && !strings.Contains(s, "//") && globOK(s)
}

func validDomain(s string) bool { return hostRE.MatchString(s) }

func validFramework(s string) bool { return frameworkRE.MatchString(s) }

func validPermName(s string) bool { return permRE.MatchString(s) }

func validateSDK(s *SDK) error {
	switch {
	case !idRE.MatchString(s.ID):
		return fmt.Errorf("id %q must be lower-case letters, digits and dashes", s.ID)
	case strings.TrimSpace(s.Name) == "":
		return errors.New("name is empty")
	case strings.TrimSpace(s.Company) == "":
		return errors.New("company is empty")
	}
	if _, ok := Categories[s.Category]; !ok {
		return fmt.Errorf("unknown category %q", s.Category)
	}
	if err := checkPITypes(s.PITypes, true); err != nil {
		return err
	}
	if len(s.ClassPrefixes)+len(s.NativeLibs)+len(s.Assets)+len(s.Domains)+len(s.Frameworks) == 0 {
		return errors.New("no signature: give classes, libs, assets, domains or frameworks")
	}
	for _, c := range []struct {
		field string
		list  []string
		ok    func(string) bool
	}{
		{"classes", s.ClassPrefixes, validClassPrefix},
		{"libs", s.NativeLibs, validLib},
		{"assets", s.Assets, validAsset},
		{"domains", s.Domains, validDomain},
		{"frameworks", s.Frameworks, validFramework},
		{"permissions", s.Permissions, validPermName},
	} {
		if err := checkList(c.field, c.list, c.ok); err != nil {
			return err
		}
	}
	if len(s.Samples.Positive) == 0 {
		return errors.New("samples.positive is empty: give at least one input that must match")
	}
	if len(s.Samples.Negative) == 0 {
		return errors.New("samples.negative is empty: give at least one near miss that must not match")
	}
	for _, smp := range append(append([]string{}, s.Samples.Positive...), s.Samples.Negative...) {
		if _, _, err := ParseSample(smp); err != nil {
			return err
		}
	}
	return nil
}

// ParseSample splits a sample "kind:value" and checks the kind.
func ParseSample(s string) (kind, value string, err error) {
	kind, value, ok := strings.Cut(s, ":")
	if !ok || value == "" {
		return "", "", fmt.Errorf("sample %q: want kind:value", s)
	}
	switch kind {
	case "class", "lib", "asset", "host", "framework":
		return kind, value, nil
	}
	return "", "", fmt.Errorf("sample %q: unknown kind %q (class, lib, asset, host, framework)", s, kind)
}

func validatePermission(p Permission) error {
	if !validPermName(p.Name) {
		return fmt.Errorf("malformed permission name %q", p.Name)
	}
	if !protections[p.Protection] {
		return fmt.Errorf("protection %q: want normal, dangerous, signature, special or appop", p.Protection)
	}
	if p.Sensitive && len(p.PITypes) == 0 {
		return errors.New("sensitive but pi_types is empty")
	}
	return checkPITypes(p.PITypes, false)
}

func validateAPI(a API) error {
	if !apiKinds[a.Kind] {
		return fmt.Errorf("kind %q: want invoke, field or string", a.Kind)
	}
	if a.Kind == "string" {
		if a.Class != "" {
			return errors.New("a string signature has no class")
		}
		if strings.TrimSpace(a.Name) == "" || a.Name != strings.TrimSpace(a.Name) {
			return fmt.Errorf("string signature %q is empty or has surrounding spaces", a.Name)
		}
	} else {
		if !descriptorRE.MatchString(a.Class) {
			return fmt.Errorf("class %q is not a Dalvik descriptor like Landroid/telephony/TelephonyManager;", a.Class)
		}
		if !memberRE.MatchString(a.Name) {
			return fmt.Errorf("member name %q is malformed", a.Name)
		}
	}
	if _, ok := PITypeNames[a.PIType]; !ok {
		return fmt.Errorf("unknown PI type %q", a.PIType)
	}
	return nil
}

func validatePacker(p Packer) error {
	if strings.TrimSpace(p.Name) == "" {
		return errors.New("name is empty")
	}
	if strings.TrimSpace(p.Company) == "" {
		return errors.New("company is empty")
	}
	if len(p.Classes)+len(p.NativeLibs)+len(p.Assets) == 0 {
		return errors.New("no signature: give classes, libs or assets")
	}
	if err := checkList("classes", p.Classes, validClassPrefix); err != nil {
		return err
	}
	if err := checkList("libs", p.NativeLibs, validLib); err != nil {
		return err
	}
	return checkList("assets", p.Assets, validAsset)
}

func validateUsageKey(u UsageKey) error {
	if !usageKeyRE.MatchString(u.Key) {
		return fmt.Errorf("key %q: want an Info.plist key ending in UsageDescription", u.Key)
	}
	return checkPITypes(u.PITypes, true)
}
