console.log('hello', process.pid);
