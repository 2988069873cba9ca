package policy

func (p *Policy) extractPI()   { p.PITypes, p.Permissions, p.Functions, p.SDKs = []string{}, []string{}, []Function{}, []SDK{} }
func (p *Policy) extractSDKs() {}
func (p *Policy) runChecks()   {}
