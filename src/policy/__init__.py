"""Each product's privacy policy as data (documents/<product>.json): the model, its loader and its public view.

`load_policy(name)` is what a function calls at cold start; an unknown or invalid policy stops it there with the
reason (policy.loader.PolicyError)."""
