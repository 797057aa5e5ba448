package alloc

// User is implemented by engines whose large slabs are charged to an account: core hands every
// index's account to its engine when the index is made and again after its engine or stores
// are replaced (load, merge, tune). UseAccount must be idempotent.
type User interface {
	UseAccount(a *Account)
}
