package console

func (c *Console) registerOps(rt *router) {}
