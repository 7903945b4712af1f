# RFC 5228 4.2/2.10.2: keep after discard still stores.
discard;
keep;
