package console

func (c *Console) registerSecurity(rt *router) {}
