// Placeholder entry point until the Train issue lands.
return 0;
