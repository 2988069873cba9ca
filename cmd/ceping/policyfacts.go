package main

import (
	"fmt"
	"os"

	"github.com/ceping/ceping/probes/policy"
	"github.com/ceping/ceping/units/auto"
)

// policyFacts turns the policy analysis into what the evaluators read.
func policyFacts(p *policy.Policy) *auto.Policy {
	if p == nil {
		return nil
	}
	out := &auto.Policy{
		Source:      p.Source,
		PITypes:     p.PITypes,
		Permissions: p.Permissions,
		DeclaresSDK: p.NamesSDK,
	}
	for _, s := range p.SDKs {
		name := s.Name
		if s.ID != "" {
			name = s.ID
		}
		out.SDKs = append(out.SDKs, name)
	}
	for _, c := range p.Checks {
		pc := auto.PolicyCheck{ID: c.ID, Title: c.Title, Basis: c.Basis, Result: c.Result, Detail: c.Detail}
		if c.Quote != nil {
			pc.Quote = c.Quote.Quote
			if pc.Quote == "" {
				pc.Quote = c.Quote.Value
			}
			pc.Where = c.Quote.Loc.String()
		}
		out.Checks = append(out.Checks, pc)
	}
	for _, r := range p.Rights {
		out.Rights = append(out.Rights, auto.PolicyRight{Key: r.Key, Name: r.Name, How: r.How, Quote: r.Quote, Where: r.Loc.String()})
	}
	return out
}

// parsePolicyFile reads and analyses a privacy policy file.
func parsePolicyFile(path string) (*policy.Policy, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("policy: %w", err)
	}
	return policy.Parse(data, path)
}
