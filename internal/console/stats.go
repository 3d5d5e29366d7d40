package console

func (c *Console) registerStats(rt *router) {}
