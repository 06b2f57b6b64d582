/** The group every bench voter is in, and the choices of every bench election. */
export const benchGroup = 'bench';
export const benchChoices: readonly string[] = ['yes', 'no', 'abstain'];
