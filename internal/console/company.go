package console

func (c *Console) registerCompany(rt *router) {}
