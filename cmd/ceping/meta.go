package main

import (
	"bytes"
	"fmt"
	"os"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/ceping/ceping/reports"
)

// metaFile is the report header a lab writes once per test (--meta FILE):
// 被测对象, 测评机构, 测评人员, 测评环境 and scope. Everything is optional;
// what the package analysis knows (name, version, package) fills the gaps.
type metaFile struct {
	App struct {
		Name     string `yaml:"name"`
		Version  string `yaml:"version"`
		Platform string `yaml:"platform"`
		Package  string `yaml:"package"`
		Operator string `yaml:"operator"`
	} `yaml:"app"`
	Org         string   `yaml:"org"`
	Testers     []string `yaml:"testers"`
	Scope       string   `yaml:"scope"`
	Environment struct {
		Place  string `yaml:"place"`
		Device string `yaml:"device"`
		OS     string `yaml:"os"`
		Tools  []struct {
			Name    string `yaml:"name"`
			Version string `yaml:"version"`
		} `yaml:"tools"`
	} `yaml:"environment"`
}

func loadMeta(path string) (reports.Meta, error) {
	var m reports.Meta
	if path == "" {
		return m, nil
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return m, fmt.Errorf("meta: %w", err)
	}
	var f metaFile
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&f); err != nil {
		return m, fmt.Errorf("meta %s: %s", path, yamlErrText(err))
	}
	m.Subject = reports.Subject{Name: f.App.Name, Version: f.App.Version, Platform: f.App.Platform, Package: f.App.Package, Operator: f.App.Operator}
	m.Org, m.Testers, m.Scope = f.Org, f.Testers, f.Scope
	m.Environment = reports.Environment{Place: f.Environment.Place, Device: f.Environment.Device, OS: f.Environment.OS}
	for _, t := range f.Environment.Tools {
		m.Environment.Tools = append(m.Environment.Tools, reports.Tool{Name: t.Name, Version: t.Version})
	}
	return m, nil
}

func yamlErrText(err error) string {
	if te, ok := err.(*yaml.TypeError); ok && len(te.Errors) > 0 {
		return te.Errors[0]
	}
	return err.Error()
}

// finishMeta adds ceping itself to the tools and the session's time span.
func finishMeta(m *reports.Meta, start, end time.Time) {
	has := false
	for _, t := range m.Environment.Tools {
		if t.Name == "ceping" {
			has = true
		}
	}
	if !has {
		m.Environment.Tools = append([]reports.Tool{{Name: "ceping", Version: version}}, m.Environment.Tools...)
	}
	if m.Environment.Start.IsZero() {
		m.Environment.Start = start
	}
	if m.Environment.End.IsZero() {
		m.Environment.End = end
	}
}
