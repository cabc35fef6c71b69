package fakewechat

// oaState records what the official-account APIs received. Guarded by Fake.mu.
type oaState struct{}

// addOARoutes registers the official-account APIs (customer-service messages, menu).
func (f *Fake) addOARoutes() {}

// resetOA forgets what was received (called with f.mu held).
func (f *Fake) resetOA() { f.oa = oaState{} }
