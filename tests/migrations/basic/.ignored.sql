SELECT 'dotfiles are ignored';
