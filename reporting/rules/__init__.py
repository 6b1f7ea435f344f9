"""Pure rules of reporting, shared by its selectors, services and views: the period a
figure covers, which measures exist and what each counts, and who sees which figures."""
