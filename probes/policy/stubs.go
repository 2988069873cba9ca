package policy

func (p *Policy) runChecks() {}
