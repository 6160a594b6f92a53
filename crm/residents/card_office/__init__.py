"""The card office: card requests, reissues, the registrar's long work, its pages."""
