package console

func (c *Console) registerAudit(rt *router) {}
