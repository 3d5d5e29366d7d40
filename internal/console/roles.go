package console

func (c *Console) registerRoles(rt *router) {}
