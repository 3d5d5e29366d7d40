package console

func (c *Console) registerMembers(rt *router) {}
