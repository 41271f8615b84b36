"""One repository per aggregate; all are reached through ``crm_store.uow.UnitOfWork``."""
