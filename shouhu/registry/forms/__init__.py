"""The registry's forms, one module per screen's concern: the child form (`child`), corrections
(`correction`), the list's filters (`filters`), closing and reopening (`status`), documents
(`documents`), a roster upload (`imports`); `fields` holds what they share. Import from the
module, not from this package."""
