"""Every write of the rules app: permission-checked, validated, audited; history never
rewritten. By concern: ``rule_sets`` (the dated rules) and ``criteria`` (the blocs' criteria
sets)."""
