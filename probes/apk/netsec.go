package apk

import (
	"strings"

	"github.com/ceping/ceping/evidence"
)

// networkSecurity reads a network_security_config document. targetSDK
// decides the defaults: cleartext is permitted below 28, user-installed CAs
// are trusted below 24 (Android's NetworkSecurityConfig defaults).
func networkSecurity(root *node, file string, targetSDK int) *evidence.NetworkConfig {
	nc := &evidence.NetworkConfig{File: file}
	trustsUser := targetSDK < 24
	for _, c := range root.Children {
		switch c.Name {
		case "base-config":
			if v, ok := c.attr("", "cleartextTrafficPermitted"); ok {
				b := strings.EqualFold(strings.TrimSpace(v), "true")
				nc.CleartextDefault = &b
			}
			if t, ok := trustAnchors(c); ok {
				trustsUser = t
			}
		case "domain-config":
			domainConfig(nc, c, &trustsUser)
		case "debug-overrides":
			if t, ok := trustAnchors(c); ok {
				nc.DebugTrustsUserCA = t
			}
		}
	}
	nc.TrustsUserCAs = trustsUser
	return nc
}

func domainConfig(nc *evidence.NetworkConfig, c *node, trustsUser *bool) {
	var domains []string
	c.each("domain", func(d *node) {
		if v := strings.TrimSpace(d.text); v != "" {
			domains = append(domains, v)
		}
	})
	if v, ok := c.attr("", "cleartextTrafficPermitted"); ok && strings.EqualFold(strings.TrimSpace(v), "true") {
		nc.CleartextDomains = append(nc.CleartextDomains, domains...)
	}
	if t, ok := trustAnchors(c); ok && t {
		*trustsUser = true // user CAs trusted for these domains at least
	}
	hasPins := false
	c.each("pin-set", func(*node) { hasPins = true })
	if hasPins {
		nc.Pins = append(nc.Pins, domains...)
	}
	// Nested domain-configs inherit and may add their own.
	c.each("domain-config", func(n *node) { domainConfig(nc, n, trustsUser) })
}

// trustAnchors reports whether a config's <trust-anchors> include user CAs;
// ok is false when the config has no trust-anchors element.
func trustAnchors(c *node) (user, ok bool) {
	c.each("trust-anchors", func(t *node) {
		ok = true
		t.each("certificates", func(x *node) {
			if v, _ := x.attr("", "src"); strings.TrimSpace(v) == "user" {
				user = true
			}
		})
	})
	return user, ok
}

// cleartextAllowed is the effective default for cleartext HTTP: the
// network security config's base-config when it sets it (the manifest
// attribute is then ignored on Android 7+), else android:usesCleartextTraffic,
// else true below targetSdk 28.
func cleartextAllowed(app *evidence.App) bool {
	if app.NetworkSecurity != nil && app.NetworkSecurity.CleartextDefault != nil {
		return *app.NetworkSecurity.CleartextDefault
	}
	if app.UsesCleartextTraffic != nil {
		return *app.UsesCleartextTraffic
	}
	return app.TargetSDK < 28
}
