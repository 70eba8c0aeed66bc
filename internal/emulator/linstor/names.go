package linstor

import (
	"errors"
	"fmt"
)

// Length limits of LINSTOR names (ResourceGroupName, ResourceName, StorPoolName).
const (
	objectNameMin = 2 // resource groups and resource definitions
	poolNameMin   = 3 // storage pools
	nameMax       = 48
)

// nameError reproduces Checks.nameCheck: the length range, at least one
// ASCII letter, first character a letter or '_', the rest letters, digits,
// '_' or '-'. The message is the InvalidNameException's.
func nameError(name string, minLen int) error {
	switch {
	case len(name) < minLen:
		return fmt.Errorf("Invalid name: Name length %d is less than minimum length %d", len(name), minLen)
	case len(name) > nameMax:
		return fmt.Errorf("Invalid name: Name length %d is greater than maximum length %d", len(name), nameMax)
	case !hasLetter(name):
		return errors.New("Invalid name: Name must contain at least one character that matches [a-zA-Z]")
	case !isLetter(name[0]) && name[0] != '_':
		return fmt.Errorf("Invalid name: Cannot begin with character '%c'", name[0])
	}
	for i := 1; i < len(name); i++ {
		c := name[i]
		if !isLetter(c) && !isDigit(c) && c != '_' && c != '-' {
			return fmt.Errorf("Invalid name: Cannot contain character '%c'", c)
		}
	}
	return nil
}

// nodeNameError checks a node name as a host name: 2..255 bytes of letters,
// digits, '-' and '.', starting with a letter or digit.
func nodeNameError(name string) error {
	if len(name) < 2 || len(name) > 255 {
		return fmt.Errorf("Invalid name: Name length %d is out of range 2 - 255", len(name))
	}
	if !isLetter(name[0]) && !isDigit(name[0]) {
		return fmt.Errorf("Invalid name: Cannot begin with character '%c'", name[0])
	}
	for i := 1; i < len(name); i++ {
		c := name[i]
		if !isLetter(c) && !isDigit(c) && c != '-' && c != '.' {
			return fmt.Errorf("Invalid name: Cannot contain character '%c'", c)
		}
	}
	return nil
}

func hasLetter(s string) bool {
	for i := 0; i < len(s); i++ {
		if isLetter(s[i]) {
			return true
		}
	}
	return false
}

func isLetter(c byte) bool { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') }

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// rscGrpName validates a resource group name (LinstorParsingUtils.asRscGrpName).
func rscGrpName(name string) error {
	if err := nameError(name, objectNameMin); err != nil {
		return fail(failInvldRscGrpName, fmt.Sprintf("The given resource group name '%s' is invalid.", name)).
			with(err.Error(), "", "").reported()
	}
	return nil
}

// rscName validates a resource definition name (LinstorParsingUtils.asRscName).
func rscName(name string) error {
	if err := nameError(name, objectNameMin); err != nil {
		return fail(failInvldRscName, fmt.Sprintf("The given resource name '%s' is invalid.", name)).
			with(err.Error(), "", "").reported()
	}
	return nil
}

// storPoolNames validates storage pool names given in a select filter.
func storPoolNames(names []string) error {
	for _, n := range names {
		if err := nameError(n, poolNameMin); err != nil {
			return fail(failInvldStorPoolName, fmt.Sprintf("The given storage pool name '%s' is invalid.", n)).
				with(err.Error(), "", "")
		}
	}
	return nil
}
