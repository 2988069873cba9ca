package apk

import (
	"fmt"
	"sort"
	"strings"

	"github.com/ceping/ceping/evidence"
	"github.com/ceping/ceping/kb"
)

// manifestFacts fills app from the decoded manifest. It returns the
// application class name and the network security config reference (both
// may be empty).
func manifestFacts(app *evidence.App, root *node, tb *table) (appClass, nscRef string, err error) {
	if root.Name != "manifest" {
		return "", "", fmt.Errorf("AndroidManifest.xml: root element <%s>, want <manifest>", root.Name)
	}
	app.Package, _ = root.attr("", "package")
	if v, ok := root.android("versionCode"); ok {
		app.VersionCode, _ = intValue(tb, v)
	}
	if v, ok := root.android("versionName"); ok {
		app.VersionName = tb.resolve(v)
	}
	app.MinSDK = 1 // the platform's default when <uses-sdk> or minSdkVersion is absent
	targetSet := false
	root.each("uses-sdk", func(n *node) {
		if v, ok := n.android("minSdkVersion"); ok {
			app.MinSDK = sdkLevel(tb, v)
		}
		if v, ok := n.android("targetSdkVersion"); ok {
			app.TargetSDK = sdkLevel(tb, v)
			targetSet = true
		}
		if v, ok := n.android("maxSdkVersion"); ok {
			app.MaxSDK = sdkLevel(tb, v)
		}
	})
	if !targetSet {
		app.TargetSDK = app.MinSDK // targetSdkVersion defaults to minSdkVersion
	}

	seenPerm := map[string]bool{}
	for _, c := range root.Children {
		switch c.Name {
		case "uses-permission", "uses-permission-sdk-23", "uses-permission-sdk-m":
			name, _ := c.android("name")
			name = tb.resolve(name)
			if name == "" || seenPerm[name] {
				continue
			}
			seenPerm[name] = true
			p := evidence.Permission{Name: name}
			if v, ok := c.android("maxSdkVersion"); ok {
				if n, ok := intValue(tb, v); ok {
					p.MaxSDK = int(n)
				}
			}
			if k, ok := kb.LookupPermission(name); ok {
				p.PITypes = append([]string(nil), k.PITypes...)
				p.Sensitive = k.Sensitive
				p.Protection = k.Protection
			}
			app.Permissions = append(app.Permissions, p)
		case "queries":
			app.Queries = append(app.Queries, queries(c, tb)...)
		}
	}

	var application *node
	root.each("application", func(n *node) {
		if application == nil {
			application = n
		}
	})
	if application == nil {
		return "", "", nil
	}
	a := application
	if v, ok := a.android("label"); ok {
		app.Label = tb.resolve(v)
	}
	appClass = className(app.Package, attrS(a, tb, "name"))
	app.AllowBackup = true // default
	if v, ok := a.android("allowBackup"); ok {
		if b, ok := boolValue(tb, v); ok {
			app.AllowBackup = b
		}
	}
	if v, ok := a.android("debuggable"); ok {
		app.Debuggable, _ = boolValue(tb, v)
	}
	if v, ok := a.android("usesCleartextTraffic"); ok {
		if b, ok := boolValue(tb, v); ok {
			app.UsesCleartextTraffic = &b
		}
	}
	nscRef, _ = a.android("networkSecurityConfig")

	for _, c := range a.Children {
		kind := c.Name
		switch kind {
		case "activity", "activity-alias", "service", "receiver", "provider":
		default:
			continue
		}
		comp := component(app, c, tb, kind)
		app.Components = append(app.Components, comp)
		app.SelfStart = append(app.SelfStart, selfStart(comp)...)
	}
	return appClass, nscRef, nil
}

func attrS(n *node, tb *table, local string) string {
	v, _ := n.android(local)
	return tb.resolve(v)
}

// sdkLevel reads an SDK level; a codename (preview, "Q") counts as the
// development level 10000, as the platform does.
func sdkLevel(tb *table, v string) int {
	if n, ok := intValue(tb, v); ok {
		return int(n)
	}
	return 10000
}

// className expands ".Foo" and "Foo" relative to the package.
func className(pkg, name string) string {
	switch {
	case name == "":
		return ""
	case strings.HasPrefix(name, "."):
		return pkg + name
	case !strings.Contains(name, "."):
		return pkg + "." + name
	}
	return name
}

func component(app *evidence.App, c *node, tb *table, kind string) evidence.Component {
	comp := evidence.Component{Kind: kind, Name: className(app.Package, attrS(c, tb, "name"))}
	if kind == "activity-alias" {
		// An alias is identified by its own name; its target lends code only.
		comp.Name = className(app.Package, attrS(c, tb, "name"))
	}
	comp.Permission = attrS(c, tb, "permission")
	if kind == "provider" {
		comp.Authority = attrS(c, tb, "authorities")
	}
	if v, ok := c.android("enabled"); ok {
		if b, ok := boolValue(tb, v); ok {
			comp.Enabled = &b
		}
	}
	c.each("intent-filter", func(f *node) {
		var flt evidence.IntentFilter
		f.each("action", func(x *node) { flt.Actions = append(flt.Actions, attrS(x, tb, "name")) })
		f.each("category", func(x *node) { flt.Categories = append(flt.Categories, attrS(x, tb, "name")) })
		f.each("data", func(x *node) {
			if d := dataSpec(x, tb); d != "" {
				flt.Data = append(flt.Data, d)
			}
		})
		comp.Filters = append(comp.Filters, flt)
	})
	if v, ok := c.android("exported"); ok {
		if b, ok := boolValue(tb, v); ok {
			comp.Explicit = &b
		}
	}
	comp.Exported = effectiveExported(kind, comp.Explicit, len(comp.Filters) > 0, app.TargetSDK)
	if comp.Explicit == nil && len(comp.Filters) > 0 && app.TargetSDK >= 31 && kind != "provider" {
		app.Warnings = append(app.Warnings, fmt.Sprintf(
			"AndroidManifest.xml: %s %s has intent filters but no android:exported; Android 12+ refuses to install an app targeting SDK %d like this",
			kind, comp.Name, app.TargetSDK))
	}
	return comp
}

// effectiveExported is the platform's rule (PackageParser / ParsedComponent):
// an explicit android:exported always wins; without it, activities,
// activity-aliases, services and receivers are exported exactly when they
// have at least one intent filter (apps targeting SDK 31+ must declare it
// when they have filters, or install fails: the implicit value is still what
// older platforms apply); providers are exported by default only when the
// app targets SDK 16 or lower (targetSdkVersion < 17, JELLY_BEAN_MR1),
// whatever their filters.
func effectiveExported(kind string, explicit *bool, hasFilter bool, targetSDK int) bool {
	if explicit != nil {
		return *explicit
	}
	if kind == "provider" {
		return targetSDK < 17
	}
	return hasFilter
}

func dataSpec(x *node, tb *table) string {
	scheme, host := attrS(x, tb, "scheme"), attrS(x, tb, "host")
	port := attrS(x, tb, "port")
	p := attrS(x, tb, "path")
	if p == "" {
		p = attrS(x, tb, "pathPrefix")
	}
	if p == "" {
		p = attrS(x, tb, "pathPattern")
	}
	mime := attrS(x, tb, "mimeType")
	var b strings.Builder
	if scheme != "" {
		b.WriteString(scheme + "://")
	}
	b.WriteString(host)
	if port != "" {
		b.WriteString(":" + port)
	}
	b.WriteString(p)
	if mime != "" {
		if b.Len() > 0 {
			b.WriteString(" ")
		}
		b.WriteString("mime:" + mime)
	}
	return b.String()
}

func queries(q *node, tb *table) []string {
	var out []string
	for _, c := range q.Children {
		switch c.Name {
		case "package":
			if v := attrS(c, tb, "name"); v != "" {
				out = append(out, v)
			}
		case "provider":
			if v := attrS(c, tb, "authorities"); v != "" {
				out = append(out, "provider:"+v)
			}
		case "intent":
			var parts []string
			c.each("action", func(x *node) { parts = append(parts, attrS(x, tb, "name")) })
			c.each("data", func(x *node) {
				if d := dataSpec(x, tb); d != "" {
					parts = append(parts, d)
				}
			})
			c.each("category", func(x *node) { parts = append(parts, attrS(x, tb, "name")) })
			if len(parts) > 0 {
				out = append(out, "intent:"+strings.Join(parts, " "))
			}
		}
	}
	return out
}

// selfStartActions are broadcasts that start an app without the user
// (PIC-13 自启动): boot, unlock, package changes, connectivity, power, calls
// and SMS, time changes, media.
var selfStartActions = map[string]bool{
	"android.intent.action.BOOT_COMPLETED":                  true,
	"android.intent.action.LOCKED_BOOT_COMPLETED":           true,
	"android.intent.action.QUICKBOOT_POWERON":               true,
	"com.htc.intent.action.QUICKBOOT_POWERON":               true,
	"android.intent.action.REBOOT":                          true,
	"android.intent.action.USER_PRESENT":                    true,
	"android.intent.action.USER_UNLOCKED":                   true,
	"android.intent.action.PACKAGE_ADDED":                   true,
	"android.intent.action.PACKAGE_REPLACED":                true,
	"android.intent.action.PACKAGE_REMOVED":                 true,
	"android.intent.action.PACKAGE_CHANGED":                 true,
	"android.intent.action.PACKAGE_RESTARTED":               true,
	"android.intent.action.MY_PACKAGE_REPLACED":             true,
	"android.net.conn.CONNECTIVITY_CHANGE":                  true,
	"android.net.wifi.STATE_CHANGE":                         true,
	"android.net.wifi.WIFI_STATE_CHANGED":                   true,
	"android.net.wifi.SCAN_RESULTS":                         true,
	"android.intent.action.ACTION_POWER_CONNECTED":          true,
	"android.intent.action.ACTION_POWER_DISCONNECTED":       true,
	"android.intent.action.BATTERY_CHANGED":                 true,
	"android.intent.action.BATTERY_LOW":                     true,
	"android.intent.action.BATTERY_OKAY":                    true,
	"android.intent.action.SCREEN_ON":                       true,
	"android.intent.action.SCREEN_OFF":                      true,
	"android.intent.action.PHONE_STATE":                     true,
	"android.intent.action.NEW_OUTGOING_CALL":               true,
	"android.provider.Telephony.SMS_RECEIVED":               true,
	"android.intent.action.TIME_SET":                        true,
	"android.intent.action.TIMEZONE_CHANGED":                true,
	"android.intent.action.DATE_CHANGED":                    true,
	"android.intent.action.TIME_TICK":                       true,
	"android.intent.action.MEDIA_MOUNTED":                   true,
	"android.intent.action.MEDIA_UNMOUNTED":                 true,
	"android.intent.action.MEDIA_EJECT":                     true,
	"android.intent.action.ACTION_SHUTDOWN":                 true,
	"android.bluetooth.adapter.action.STATE_CHANGED":        true,
	"android.intent.action.AIRPLANE_MODE":                   true,
	"android.intent.action.LOCALE_CHANGED":                  true,
	"android.intent.action.HEADSET_PLUG":                    true,
	"android.app.action.DEVICE_ADMIN_ENABLED":               true,
	"android.intent.action.CLOSE_SYSTEM_DIALOGS":            true,
	"android.intent.action.EXTERNAL_APPLICATIONS_AVAILABLE": true,
}

// selfStart lists the ways comp lets the system start the app on its own:
// receivers for the broadcasts above, sync adapters, account
// authenticators and job services.
func selfStart(comp evidence.Component) []evidence.SelfStart {
	var out []evidence.SelfStart
	seen := map[string]bool{}
	add := func(trigger string) {
		if !seen[trigger] {
			seen[trigger] = true
			out = append(out, evidence.SelfStart{Component: comp.Name, Kind: comp.Kind, Trigger: trigger})
		}
	}
	for _, f := range comp.Filters {
		for _, a := range f.Actions {
			switch {
			case comp.Kind == "receiver" && selfStartActions[a]:
				add(a)
			case comp.Kind == "service" && a == "android.content.SyncAdapter":
				add("sync-adapter")
			case comp.Kind == "service" && a == "android.accounts.AccountAuthenticator":
				add("account-authenticator")
			}
		}
	}
	if comp.Kind == "service" && comp.Permission == "android.permission.BIND_JOB_SERVICE" {
		add("job-service")
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Trigger < out[j].Trigger })
	return out
}
